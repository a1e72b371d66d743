import GRDB

/// Lethe's tables, as one migrator with named, append-only steps: a shipped step is never edited,
/// a change is a new step. Columns holding personal or payment data are BLOBs of field ciphertext
/// (docs/encryption.md); `*_index` columns are blind-index tokens. docs/data-model.md lists them all.
///
/// The file is longer than 500 lines on purpose: the migrator is one ordered list, read top to bottom in
/// the order every deployment upgrades through, and cutting it into files would hide that order.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-keys") { db in
            try db.create(table: "data_keys") { t in
                t.column("account_id", .text).notNull()
                t.column("key_id", .integer).notNull()
                t.column("key_version", .integer).notNull()
                t.column("master_version", .integer).notNull()
                t.column("sealed", .blob).notNull()
                t.column("created_at", .double).notNull()
                t.primaryKey(["account_id", "key_id", "key_version"])
            }
            try db.create(index: "data_keys_master_version", on: "data_keys", columns: ["master_version"])
        }
        migrator.registerMigration("2-accounts") { db in
            try db.create(table: "accounts") { t in
                t.column("id", .text).primaryKey()
                t.column("status", .text).notNull()
                t.column("residence", .text).notNull()
                t.column("full_name", .blob).notNull()
                t.column("email", .blob).notNull()
                t.column("email_index", .blob).notNull().unique()
                t.column("phone", .blob)
                t.column("phone_index", .blob)
                t.column("date_of_birth", .blob)
                t.column("password_hash", .blob)
                t.column("security_answer", .blob)
                t.column("promo_code", .text)
                t.column("language", .text).notNull()
                t.column("notification_settings", .blob).notNull()
                t.column("subscription", .text)
                t.column("created_at", .double).notNull()
                t.column("updated_at", .double).notNull()
                t.column("last_activity_at", .double)
            }
            try db.create(index: "accounts_phone_index", on: "accounts", columns: ["phone_index"])
            try db.create(table: "addresses") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("account_id", .text).notNull().indexed().references("accounts", onDelete: .cascade)
                t.column("label", .text).notNull()
                t.column("line1", .blob).notNull()
                t.column("line2", .blob)
                t.column("city", .blob).notNull()
                t.column("postal_code", .blob).notNull()
                t.column("country", .text).notNull()
            }
            try db.create(table: "payment_methods") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("account_id", .text).notNull().indexed().references("accounts", onDelete: .cascade)
                t.column("brand", .text).notNull()
                t.column("last4", .blob).notNull()
                t.column("card_number", .blob).notNull()
                t.column("cardholder_name", .blob).notNull()
                t.column("expiry", .blob).notNull()
                t.column("created_at", .double).notNull()
            }
            try db.create(table: "orders") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("account_id", .text).notNull().references("accounts", onDelete: .cascade)
                t.column("placed_at", .double).notNull()
                t.column("total_cents", .integer).notNull()
                t.column("currency", .text).notNull()
                t.column("status", .text).notNull()
                t.column("items", .blob).notNull()
                t.column("shipping_address", .blob)
            }
            try db.create(index: "orders_account", on: "orders", columns: ["account_id", "placed_at"])
            try db.create(table: "support_interactions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("account_id", .text).notNull().indexed().references("accounts", onDelete: .cascade)
                t.column("at", .double).notNull()
                t.column("channel", .text).notNull()
                t.column("transcript", .blob).notNull()
            }
            try db.create(table: "security_events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("account_id", .text).notNull().indexed().references("accounts", onDelete: .cascade)
                t.column("at", .double).notNull()
                t.column("kind", .text).notNull()
                t.column("ip_address", .blob)
                t.column("user_agent", .blob)
            }
        }
        migrator.registerMigration("3-consents") { db in
            // An append-only ledger: rows are added, never changed; erasure removes them with the account.
            try db.create(table: "consents") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("account_id", .text).notNull().references("accounts", onDelete: .cascade)
                t.column("purpose", .text).notNull()
                t.column("granted", .boolean).notNull()
                t.column("source", .text).notNull()
                t.column("source_detail", .blob)
                t.column("notice_version", .text).notNull()
                t.column("at", .double).notNull()
            }
            try db.create(index: "consents_account", on: "consents", columns: ["account_id", "purpose", "at"])
            try db.execute(
                sql: """
                    CREATE TRIGGER consents_append_only BEFORE UPDATE ON consents
                    BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END
                    """
            )
        }
        migrator.registerMigration("4-record-notes-and-escalations") { db in
            try db.create(table: "record_notes") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("account_id", .text).notNull().references("accounts", onDelete: .cascade)
                t.column("at", .double).notNull()
                t.column("author", .text).notNull()
                t.column("changed_fields", .text).notNull()
                t.column("reason", .blob).notNull()
                t.column("reference", .text)
                t.column("verification_method", .text)
                t.column("verified_by", .text)
                t.column("verified_at", .double)
            }
            try db.create(index: "record_notes_account", on: "record_notes", columns: ["account_id", "at"])
            try db.create(index: "record_notes_at", on: "record_notes", columns: ["at"])
            try db.create(index: "record_notes_author", on: "record_notes", columns: ["author", "at"])
            try db.create(table: "escalations") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("account_id", .text).notNull().references("accounts", onDelete: .cascade)
                t.column("at", .double).notNull()
                t.column("requested_by", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("changed_fields", .text).notNull()
                t.column("proposed_changes", .blob).notNull()
                t.column("reason", .blob).notNull()
                t.column("status", .text).notNull()
                t.column("resolved_by", .text)
                t.column("resolved_at", .double)
            }
            try db.create(index: "escalations_status", on: "escalations", columns: ["status", "at"])
        }
        migrator.registerMigration("5-outbox-and-audit") { db in
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("account_id", .text).references("accounts", onDelete: .setNull)
                t.column("kind", .text).notNull()
                // Recipient and parameters are encrypted under the customer's key.
                t.column("recipient", .blob)
                t.column("parameters", .blob)
                t.column("created_at", .double).notNull()
                t.column("status", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("next_attempt_at", .double).notNull()
                t.column("delivered_at", .double)
                t.column("last_error", .text)
            }
            try db.create(index: "outbox_pending", on: "outbox", columns: ["status", "next_attempt_at"])
            try db.create(table: "audit_log") { t in
                t.column("seq", .integer).primaryKey()
                t.column("at", .double).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("subject_type", .text).notNull()
                t.column("subject_id", .text).notNull()
                t.column("fields", .text).notNull()
                t.column("reason", .text)
                t.column("key_version", .integer).notNull()
                t.column("prev_digest", .blob).notNull()
                t.column("mac", .blob).notNull()
            }
            try db.create(index: "audit_subject", on: "audit_log", columns: ["subject_type", "subject_id"])
        }
        migrator.registerMigration("6-holds-and-bundles") { db in
            try db.create(table: "legal_holds") { t in
                t.column("id", .text).primaryKey()
                t.column("account_id", .text).notNull().indexed()
                t.column("categories", .text).notNull()
                t.column("reason", .blob).notNull()
                t.column("owner", .text).notNull()
                t.column("placed_at", .double).notNull()
                t.column("released_at", .double)
            }
            try db.create(table: "export_bundles") { t in
                t.column("id", .text).primaryKey()
                t.column("account_id", .text).notNull().indexed()
                t.column("request_id", .text).notNull()
                t.column("path", .text).notNull()
                t.column("sha256", .text).notNull()
                t.column("created_at", .double).notNull()
                t.column("expires_at", .double).notNull()
                t.column("downloads_left", .integer).notNull()
            }
        }
        migrator.registerMigration("7-privacy-requests") { db in
            try db.create(table: "privacy_requests") { t in
                t.column("id", .text).primaryKey()
                t.column("kind", .text).notNull()
                t.column("deadline_kind", .text).notNull()
                t.column("account_id", .text).indexed()
                // Whose data key seals this request's values: the account, or the request itself.
                t.column("subject_id", .text).notNull()
                t.column("jurisdiction", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("agent_id", .text)
                t.column("status", .text).notNull()
                t.column("received_at", .double).notNull()
                t.column("requester_email", .blob)
                t.column("idempotency_key", .text).unique()
                // What the request asks, where it needs more than its kind (consent purposes and yes/no): no personal values.
                t.column("details", .text)
                // Deadlines as ISO dates (they sort as text); the full schedule, citations included, as JSON.
                t.column("binding_due", .text).notNull()
                t.column("internal_target", .text).notNull()
                t.column("schedule", .text).notNull()
                t.column("extension_sent_at", .double)
                t.column("extension_reason", .blob)
                // Authorized agents (CCPA §7063): the agent's proof of permission, and the customer's own confirmation.
                t.column("agent_permission", .blob)
                t.column("agent_permission_at", .double)
                t.column("customer_confirmed_at", .double)
                t.column("assignee", .text)
                t.column("completed_at", .double)
                t.column("updated_at", .double).notNull()
            }
            try db.create(
                index: "requests_queue",
                on: "privacy_requests",
                columns: ["status", "binding_due", "received_at"]
            )
            try db.create(
                index: "requests_open_kind",
                on: "privacy_requests",
                columns: ["account_id", "kind", "status"]
            )
            try db.create(table: "request_events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("request_id", .text).notNull().indexed().references("privacy_requests")
                t.column("at", .double).notNull()
                t.column("from_status", .text).notNull()
                t.column("to_status", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("reason", .blob)
                t.column("denial_reason", .text)
            }
            try db.create(table: "request_links") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("request_id", .text).notNull().indexed().references("privacy_requests")
                t.column("at", .double).notNull()
                t.column("channel", .text).notNull()
                t.column("idempotency_key", .text).unique()
            }
            try db.create(table: "deadline_history") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("request_id", .text).notNull().indexed().references("privacy_requests")
                t.column("at", .double).notNull()
                t.column("cause", .text).notNull()
                t.column("acknowledgement_due", .text)
                t.column("response_due", .text).notNull()
                t.column("extended_due", .text)
                t.column("internal_target", .text).notNull()
            }
            try db.create(table: "request_pauses") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("request_id", .text).notNull().indexed().references("privacy_requests")
                t.column("from_date", .text).notNull()
                t.column("to_date", .text)
                t.column("reason", .text).notNull()
            }
            // One pending code per purpose: a request id, or `account:TR-xxxxx` for an account change.
            try db.create(table: "verification_codes") { t in
                t.column("purpose", .text).primaryKey()
                t.column("code_hash", .blob).notNull()
                t.column("created_at", .double).notNull()
                t.column("expires_at", .double).notNull()
                t.column("attempts", .integer).notNull()
                t.column("locked", .boolean).notNull()
                t.column("address_index", .blob).notNull()
            }
            try db.create(table: "code_sends") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("subject_id", .text).notNull()
                t.column("address_index", .blob).notNull()
                t.column("at", .double).notNull()
            }
            try db.create(index: "code_sends_subject", on: "code_sends", columns: ["subject_id", "at"])
            try db.create(index: "code_sends_address", on: "code_sends", columns: ["address_index", "at"])
            try db.create(table: "request_alerts") { t in
                t.column("request_id", .text).notNull().references("privacy_requests")
                t.column("threshold", .text).notNull()
                t.column("level", .text).notNull()
                t.column("at", .double).notNull()
                t.primaryKey(["request_id", "threshold"])
            }
            try db.create(table: "jobs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                t.column("request_id", .text)
                t.column("dedupe_key", .text).notNull().unique()
                t.column("payload", .text).notNull()
                t.column("status", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("max_attempts", .integer).notNull()
                t.column("run_at", .double).notNull()
                t.column("lease_token", .text)
                t.column("leased_by", .text)
                t.column("lease_expires_at", .double)
                t.column("last_error", .text)
                t.column("created_at", .double).notNull()
                t.column("finished_at", .double)
            }
            // What a worker scans: ready jobs by time, and leases that have run out.
            try db.create(index: "jobs_ready", on: "jobs", columns: ["status", "run_at"])
            try db.create(index: "jobs_lease", on: "jobs", columns: ["status", "lease_expires_at"])
            // Messages about a request from an unknown person are sealed under the request's own key.
            try db.alter(table: "outbox") { t in t.add(column: "subject_id", .text) }
        }
        migrator.registerMigration("8-erasure") { db in
            // What a legal obligation keeps after erasure: minimised, under a pseudonym, with its basis and end.
            try db.create(table: "retained_records") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("pseudonym", .text).notNull().indexed()
                t.column("category", .text).notNull()
                t.column("data", .text).notNull()
                t.column("legal_basis", .text).notNull()
                t.column("citation", .text).notNull()
                t.column("retain_until", .double).notNull()
                t.column("request_id", .text).notNull()
            }
            try db.create(index: "retained_until", on: "retained_records", columns: ["retain_until"])
            // Keyed tokens of an erased customer's email and phone, so a restored backup can be purged again.
            try db.create(table: "suppressions") { t in
                t.column("token", .blob).primaryKey()
                t.column("kind", .text).notNull()
                t.column("request_id", .text).notNull()
                t.column("created_at", .double).notNull()
            }
            try db.create(table: "deletion_receipts") { t in
                t.column("request_id", .text).primaryKey()
                t.column("account_id", .text).notNull()
                t.column("pseudonym", .text).notNull()
                t.column("at", .double).notNull()
                t.column("erased", .text).notNull()
                t.column("kept", .text).notNull()
            }
        }
        migrator.registerMigration("9-recipients") { db in
            // Processors and third parties that received data (GDPR Art 19, CCPA §1798.105(c)).
            try db.create(table: "recipients") { t in
                t.column("id", .text).primaryKey()
                t.column("name", .text).notNull()
                t.column("categories", .text).notNull()
                t.column("webhook_url", .text).notNull()
                // The signing secret, sealed under the recipients' own key.
                t.column("secret", .blob).notNull()
                t.column("active", .boolean).notNull()
                t.column("created_at", .double).notNull()
            }
            try db.create(table: "request_recipients") { t in
                t.column("request_id", .text).notNull().references("privacy_requests")
                t.column("recipient_id", .text).notNull().references("recipients")
                t.column("action", .text).notNull()
                t.column("status", .text).notNull()
                t.column("note", .text)
                t.column("updated_at", .double).notNull()
                t.primaryKey(["request_id", "recipient_id"])
            }
        }
        migrator.registerMigration("10-retention") { db in
            // One purge at a time per database: a lease with an expiry, taken over when its holder is gone.
            try db.create(table: "purge_lease") { t in
                t.column("name", .text).primaryKey()
                t.column("holder", .text).notNull()
                t.column("host", .text).notNull()
                t.column("pid", .integer).notNull()
                t.column("acquired_at", .double).notNull()
                t.column("expires_at", .double).notNull()
            }
            try db.create(table: "purge_runs") { t in
                t.column("id", .text).primaryKey()
                t.column("holder", .text).notNull()
                t.column("as_of", .double).notNull()
                t.column("started_at", .double).notNull()
                t.column("finished_at", .double)
                t.column("status", .text).notNull()
                // The final report: rule ids, counts and hold references, never personal values.
                t.column("report", .text)
            }
            // The checkpoint: each batch adds its count here in the batch's own transaction.
            try db.create(table: "purge_counts") { t in
                t.column("run_id", .text).notNull().references("purge_runs")
                t.column("rule_id", .text).notNull()
                t.column("target", .text).notNull()
                t.column("records", .integer).notNull()
                t.primaryKey(["run_id", "rule_id", "target"])
            }
            // The purged prefix of the audit chain: the last purged entry's MAC, authenticated.
            try db.create(table: "audit_checkpoint") { t in
                t.column("id", .integer).primaryKey()
                t.column("seq", .integer).notNull()
                t.column("digest", .blob).notNull()
                t.column("purged", .integer).notNull()
                t.column("run_id", .text).notNull()
                t.column("at", .double).notNull()
                t.column("key_version", .integer).notNull()
                t.column("mac", .blob).notNull()
            }
            // The purge scans by the instant each period runs from.
            try db.create(index: "security_events_at", on: "security_events", columns: ["at"])
            try db.create(index: "support_interactions_at", on: "support_interactions", columns: ["at"])
            try db.create(index: "orders_placed_at", on: "orders", columns: ["placed_at"])
            try db.create(index: "outbox_created_at", on: "outbox", columns: ["status", "created_at"])
            try db.create(index: "code_sends_at", on: "code_sends", columns: ["at"])
            try db.create(index: "suppressions_created_at", on: "suppressions", columns: ["created_at"])
            try db.create(index: "requests_closed", on: "privacy_requests", columns: ["status", "completed_at"])
            try db.create(index: "audit_at", on: "audit_log", columns: ["at"])
            try db.create(index: "export_bundles_request", on: "export_bundles", columns: ["request_id"])
        }
        migrator.registerMigration("11-access") { db in
            try db.create(table: "staff_users") { t in
                t.column("username", .text).primaryKey()
                t.column("role", .text).notNull()
                // A self-describing scrypt hash (`$scrypt$ln=…`), never the password.
                t.column("password_hash", .text).notNull()
                t.column("created_at", .double).notNull()
                t.column("disabled_at", .double)
            }
            // Sessions are found by the SHA-256 of their token: a copy of the database opens none.
            // A customer's sessions go with the account (cascade), so erasure leaves none behind.
            try db.create(table: "sessions") { t in
                t.column("token_hash", .blob).primaryKey()
                t.column("staff_username", .text).references("staff_users", onDelete: .cascade)
                t.column("account_id", .text).references("accounts", onDelete: .cascade)
                t.column("created_at", .double).notNull()
                t.column("expires_at", .double).notNull()
                t.check(sql: "(staff_username IS NULL) <> (account_id IS NULL)")
            }
            try db.create(index: "sessions_expiry", on: "sessions", columns: ["expires_at"])
            try db.create(table: "api_tokens") { t in
                t.column("id", .text).primaryKey()
                t.column("secret_hash", .blob).notNull().unique()
                t.column("name", .text).notNull()
                t.column("role", .text).notNull()
                t.column("created_at", .double).notNull()
                t.column("created_by", .text).notNull()
                t.column("revoked_at", .double)
            }
            try db.create(table: "sign_in_failures") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("key", .text).notNull()
                t.column("at", .double).notNull()
            }
            try db.create(index: "sign_in_failures_key", on: "sign_in_failures", columns: ["key", "at"])
        }
        // Authorized agents over the Data Rights Protocol: the registry, each agent's current bearer
        // token (its SHA-256 only), the requests they made, and the signatures seen until they expire.
        migrator.registerMigration("12-authorized-agents") { db in
            try db.create(table: "drp_agents") { t in
                t.column("id", .text).primaryKey()
                t.column("name", .text).notNull()
                t.column("verify_key", .text).notNull()
                t.column("assurance", .text).notNull()
                t.column("callback_hosts", .text).notNull()
                t.column("token_hash", .blob).unique()
                t.column("token_issued_at", .double)
                t.column("added_at", .double).notNull()
                t.column("revoked_at", .double)
            }
            try db.create(table: "drp_requests") { t in
                t.column("id", .text).primaryKey()
                // The signature's SHA-256: a retry of the same signed request finds its first answer.
                t.column("digest", .blob).notNull().unique()
                // No foreign key: when the request record's retention ends, this minimised link stays,
                // so the agent is told `expired` rather than "no such request".
                t.column("request_id", .text).notNull().indexed()
                t.column("agent_id", .text).notNull().indexed().references("drp_agents")
                t.column("agent_request_id", .text)
                t.column("status_callback", .text)
                t.column("received_at", .double).notNull()
                t.column("denied_reason", .text)
                t.column("pushed_state", .text)
                t.column("settled_at", .double)
            }
            try db.create(index: "drp_requests_unsettled", on: "drp_requests", columns: ["settled_at"])
            try db.create(table: "drp_signatures") { t in
                t.column("digest", .blob).primaryKey()
                t.column("agent_id", .text).notNull()
                t.column("expires_at", .double).notNull()
            }
        }
        // The audit chain's anchored head, kept apart from the entries: deleting the newest entries (or
        // all of them) is detected, not read as a shorter chain.
        migrator.registerMigration("13-audit-head") { db in
            try db.create(table: "audit_head") { t in
                t.column("id", .integer).primaryKey().check { $0 == 1 }
                t.column("seq", .integer).notNull()
                t.column("mac", .blob).notNull()
                t.column("key_version", .integer).notNull()
                t.column("head_mac", .blob).notNull()
            }
        }
        // A notice that must exist once per request and purpose (the deletion confirmation) carries a key:
        // a retried job finds the same row, and so the same message id, instead of queueing another.
        migrator.registerMigration("14-outbox-dedupe") { db in
            try db.alter(table: "outbox") { t in t.add(column: "dedupe_key", .text) }
            try db.execute(
                sql: "CREATE UNIQUE INDEX outbox_dedupe_key ON outbox (dedupe_key) WHERE dedupe_key IS NOT NULL"
            )
        }
        // Blind-index tokens record the master version whose key made them: lookups try every loaded
        // version, rotation recomputes the accounts' tokens, and retirement waits until nothing needs one.
        migrator.registerMigration("15-index-versions") { db in
            try db.alter(table: "accounts") { t in
                t.add(column: "email_index_version", .integer)
                t.add(column: "phone_index_version", .integer)
            }
            try db.alter(table: "suppressions") { t in t.add(column: "index_version", .integer) }
        }
        // The request page says whether the customer was told their request arrived: the outbox names the
        // request a notice is about, and the request keeps the moment its acknowledgement was delivered
        // (the outbox row itself is purged later, or erased with the customer).
        migrator.registerMigration("16-request-acknowledgement") { db in
            try db.alter(table: "outbox") { t in t.add(column: "request_id", .text) }
            try db.execute(sql: "CREATE INDEX outbox_request ON outbox (request_id) WHERE request_id IS NOT NULL")
            try db.alter(table: "privacy_requests") { t in t.add(column: "acknowledged_at", .double) }
        }
        // Rotation without a maintenance window: the primary master version is chosen in the database, so
        // every process switches together, and each process announces which versions it holds, so the
        // switch waits until all of them can open what the new version wraps.
        migrator.registerMigration("17-keyring-nodes") { db in
            try db.create(table: "key_primary") { t in
                t.column("id", .integer).primaryKey().check { $0 == 1 }
                t.column("version", .integer).notNull()
                t.column("at", .double).notNull()
            }
            try db.create(table: "key_holders") { t in
                t.column("node", .text).primaryKey()
                t.column("versions", .text).notNull()
                t.column("primary_version", .integer).notNull()
                t.column("seen_at", .double).notNull()
            }
        }
        // Sealed values bound to their row (docs/encryption.md, format 0x02): each table whose rows have no
        // id fixed before they are written gets the row reference the values are bound to. Values written
        // before are re-sealed under one by `SQLStore.bindSealedValuesToRows()` when the store is opened.
        migrator.registerMigration("18-row-bound-fields") { db in
            try db.alter(table: "accounts") { t in t.add(column: "seal_ref", .blob) }
            try db.alter(table: "addresses") { t in t.add(column: "seal_ref", .blob) }
            try db.alter(table: "payment_methods") { t in t.add(column: "seal_ref", .blob) }
            try db.alter(table: "orders") { t in t.add(column: "seal_ref", .blob) }
            try db.alter(table: "support_interactions") { t in t.add(column: "seal_ref", .blob) }
            try db.alter(table: "security_events") { t in t.add(column: "seal_ref", .blob) }
            try db.alter(table: "consents") { t in t.add(column: "seal_ref", .blob) }
            try db.alter(table: "record_notes") { t in t.add(column: "seal_ref", .blob) }
            try db.alter(table: "escalations") { t in t.add(column: "seal_ref", .blob) }
            try db.alter(table: "outbox") { t in t.add(column: "seal_ref", .blob) }
            try db.alter(table: "request_events") { t in t.add(column: "seal_ref", .blob) }
        }
        // The re-sealing pass of step 18 runs to completion once; this row says it has, so later starts
        // skip it instead of reading every sealed table again.
        migrator.registerMigration("19-row-binding-done") { db in
            try db.create(table: "row_binding") { t in
                t.column("id", .integer).primaryKey().check { $0 == 1 }
                t.column("completed_at", .double).notNull()
            }
        }
        // A correction request carries the field and the accurate value, sealed under the subject's key and
        // bound to the request's row like the requester's email.
        migrator.registerMigration("20-correction-requests") { db in
            try db.alter(table: "privacy_requests") { t in t.add(column: "correction", .blob) }
        }
        // An appeal names the refused request it appeals (one appeal per request, so the index is unique)
        // and carries the customer's grounds, sealed like the correction.
        migrator.registerMigration("21-appeals") { db in
            try db.alter(table: "privacy_requests") { t in
                t.add(column: "appeal_of", .text)
                t.add(column: "grounds", .blob)
            }
            try db.execute(
                sql:
                    "CREATE UNIQUE INDEX privacy_requests_appeal_of ON privacy_requests (appeal_of) WHERE appeal_of IS NOT NULL"
            )
        }
        // An export pages through a customer's orders by id; with only (account_id, placed_at) each page
        // sorted all of the customer's orders again, so a large history took quadratic time.
        migrator.registerMigration("22-orders-by-account-and-id") { db in
            try db.create(index: "orders_account_id", on: "orders", columns: ["account_id", "id"])
        }
        // Erasing a customer deletes the account row, and the foreign keys then cascade to (or null) every
        // row pointing at it; without an index on the pointing column each erasure scanned the whole table.
        // The outbox grows with every notice ever sent, so erasures slowed as the deployment aged.
        migrator.registerMigration("23-account-references-indexed") { db in
            try db.create(index: "outbox_account", on: "outbox", columns: ["account_id"])
            try db.create(index: "escalations_account", on: "escalations", columns: ["account_id"])
            try db.create(index: "sessions_account", on: "sessions", columns: ["account_id"])
        }
        return migrator
    }
}
