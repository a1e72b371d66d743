import GRDB

/// Lethe's tables, as one migrator with named, append-only steps: a shipped step is never edited,
/// a change is a new step. Columns holding personal or payment data are BLOBs of field ciphertext
/// (docs/encryption.md); `*_index` columns are blind-index tokens. docs/data-model.md lists them all.
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
                t.column("reason", .text).notNull()
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
        return migrator
    }
}
