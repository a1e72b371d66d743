import Foundation

/// Lethe's tables on PostgreSQL: the same named, append-only steps as the SQLite migrator
/// (`Schema.swift`), in PostgreSQL's types. Instants are `double precision` seconds since 1970 and
/// ISO dates `text`, as on SQLite, so the store's statements and `lethe migrate` treat both alike;
/// personal columns are `bytea` ciphertext.
///
/// Several processes may start at once: the runner holds a session advisory lock while it migrates,
/// so exactly one applies each step and the others find it applied.
enum PostgresSchema {
    static let steps: [(name: String, sql: String)] = [
        (
            "1-keys",
            """
            CREATE TABLE data_keys (
                account_id text NOT NULL, key_id bigint NOT NULL, key_version bigint NOT NULL,
                master_version bigint NOT NULL, sealed bytea NOT NULL, created_at double precision NOT NULL,
                PRIMARY KEY (account_id, key_id, key_version));
            CREATE INDEX data_keys_master_version ON data_keys (master_version);
            """
        ),
        (
            "2-accounts",
            """
            CREATE TABLE accounts (
                id text PRIMARY KEY, status text NOT NULL, residence text NOT NULL, full_name bytea NOT NULL,
                email bytea NOT NULL, email_index bytea NOT NULL UNIQUE, phone bytea, phone_index bytea,
                date_of_birth bytea, password_hash bytea, security_answer bytea, promo_code text,
                language text NOT NULL, notification_settings bytea NOT NULL, subscription text,
                created_at double precision NOT NULL, updated_at double precision NOT NULL,
                last_activity_at double precision);
            CREATE INDEX accounts_phone_index ON accounts (phone_index);
            CREATE TABLE addresses (
                id bigserial PRIMARY KEY, account_id text NOT NULL REFERENCES accounts ON DELETE CASCADE,
                label text NOT NULL, line1 bytea NOT NULL, line2 bytea, city bytea NOT NULL,
                postal_code bytea NOT NULL, country text NOT NULL);
            CREATE INDEX addresses_account ON addresses (account_id);
            CREATE TABLE payment_methods (
                id bigserial PRIMARY KEY, account_id text NOT NULL REFERENCES accounts ON DELETE CASCADE,
                brand text NOT NULL, last4 bytea NOT NULL, card_number bytea NOT NULL,
                cardholder_name bytea NOT NULL, expiry bytea NOT NULL, created_at double precision NOT NULL);
            CREATE INDEX payment_methods_account ON payment_methods (account_id);
            CREATE TABLE orders (
                id bigserial PRIMARY KEY, account_id text NOT NULL REFERENCES accounts ON DELETE CASCADE,
                placed_at double precision NOT NULL, total_cents bigint NOT NULL, currency text NOT NULL,
                status text NOT NULL, items bytea NOT NULL, shipping_address bytea);
            CREATE INDEX orders_account ON orders (account_id, placed_at);
            CREATE TABLE support_interactions (
                id bigserial PRIMARY KEY, account_id text NOT NULL REFERENCES accounts ON DELETE CASCADE,
                at double precision NOT NULL, channel text NOT NULL, transcript bytea NOT NULL);
            CREATE INDEX support_interactions_account ON support_interactions (account_id);
            CREATE TABLE security_events (
                id bigserial PRIMARY KEY, account_id text NOT NULL REFERENCES accounts ON DELETE CASCADE,
                at double precision NOT NULL, kind text NOT NULL, ip_address bytea, user_agent bytea);
            CREATE INDEX security_events_account ON security_events (account_id);
            """
        ),
        (
            "3-consents",
            """
            CREATE TABLE consents (
                id bigserial PRIMARY KEY, account_id text NOT NULL REFERENCES accounts ON DELETE CASCADE,
                purpose text NOT NULL, granted boolean NOT NULL, source text NOT NULL, source_detail bytea,
                notice_version text NOT NULL, at double precision NOT NULL);
            CREATE INDEX consents_account ON consents (account_id, purpose, at);
            CREATE FUNCTION lethe_consents_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the consent ledger is append-only'; END $$;
            CREATE TRIGGER consents_append_only BEFORE UPDATE ON consents
                FOR EACH ROW EXECUTE FUNCTION lethe_consents_append_only();
            """
        ),
        (
            "4-record-notes-and-escalations",
            """
            CREATE TABLE record_notes (
                id bigserial PRIMARY KEY, account_id text NOT NULL REFERENCES accounts ON DELETE CASCADE,
                at double precision NOT NULL, author text NOT NULL, changed_fields text NOT NULL,
                reason bytea NOT NULL, reference text, verification_method text, verified_by text,
                verified_at double precision);
            CREATE INDEX record_notes_account ON record_notes (account_id, at);
            CREATE INDEX record_notes_at ON record_notes (at);
            CREATE INDEX record_notes_author ON record_notes (author, at);
            CREATE TABLE escalations (
                id bigserial PRIMARY KEY, account_id text NOT NULL REFERENCES accounts ON DELETE CASCADE,
                at double precision NOT NULL, requested_by text NOT NULL, kind text NOT NULL,
                changed_fields text NOT NULL, proposed_changes bytea NOT NULL, reason bytea NOT NULL,
                status text NOT NULL, resolved_by text, resolved_at double precision);
            CREATE INDEX escalations_status ON escalations (status, at);
            """
        ),
        (
            "5-outbox-and-audit",
            """
            CREATE TABLE outbox (
                id bigserial PRIMARY KEY, account_id text REFERENCES accounts ON DELETE SET NULL,
                kind text NOT NULL, recipient bytea, parameters bytea, created_at double precision NOT NULL,
                status text NOT NULL, attempts bigint NOT NULL DEFAULT 0,
                next_attempt_at double precision NOT NULL, delivered_at double precision, last_error text);
            CREATE INDEX outbox_pending ON outbox (status, next_attempt_at);
            CREATE TABLE audit_log (
                seq bigint PRIMARY KEY, at double precision NOT NULL, actor text NOT NULL, action text NOT NULL,
                subject_type text NOT NULL, subject_id text NOT NULL, fields text NOT NULL, reason text,
                key_version bigint NOT NULL, prev_digest bytea NOT NULL, mac bytea NOT NULL);
            CREATE INDEX audit_subject ON audit_log (subject_type, subject_id);
            """
        ),
        (
            "6-holds-and-bundles",
            """
            CREATE TABLE legal_holds (
                id text PRIMARY KEY, account_id text NOT NULL, categories text NOT NULL, reason bytea NOT NULL,
                owner text NOT NULL, placed_at double precision NOT NULL, released_at double precision);
            CREATE INDEX legal_holds_account ON legal_holds (account_id);
            CREATE TABLE export_bundles (
                id text PRIMARY KEY, account_id text NOT NULL, request_id text NOT NULL, path text NOT NULL,
                sha256 text NOT NULL, created_at double precision NOT NULL, expires_at double precision NOT NULL,
                downloads_left bigint NOT NULL);
            CREATE INDEX export_bundles_account ON export_bundles (account_id);
            """
        ),
        (
            "7-privacy-requests",
            """
            CREATE TABLE privacy_requests (
                id text PRIMARY KEY, kind text NOT NULL, deadline_kind text NOT NULL, account_id text,
                subject_id text NOT NULL, jurisdiction text NOT NULL, channel text NOT NULL, agent_id text,
                status text NOT NULL, received_at double precision NOT NULL, requester_email bytea,
                idempotency_key text UNIQUE, details text, binding_due text NOT NULL,
                internal_target text NOT NULL, schedule text NOT NULL, extension_sent_at double precision,
                extension_reason bytea, agent_permission bytea, agent_permission_at double precision,
                customer_confirmed_at double precision, assignee text, completed_at double precision,
                updated_at double precision NOT NULL);
            CREATE INDEX privacy_requests_account ON privacy_requests (account_id);
            CREATE INDEX requests_queue ON privacy_requests (status, binding_due, received_at);
            CREATE INDEX requests_open_kind ON privacy_requests (account_id, kind, status);
            CREATE TABLE request_events (
                id bigserial PRIMARY KEY, request_id text NOT NULL REFERENCES privacy_requests,
                at double precision NOT NULL, from_status text NOT NULL, to_status text NOT NULL,
                actor text NOT NULL, reason bytea, denial_reason text);
            CREATE INDEX request_events_request ON request_events (request_id);
            CREATE TABLE request_links (
                id bigserial PRIMARY KEY, request_id text NOT NULL REFERENCES privacy_requests,
                at double precision NOT NULL, channel text NOT NULL, idempotency_key text UNIQUE);
            CREATE INDEX request_links_request ON request_links (request_id);
            CREATE TABLE deadline_history (
                id bigserial PRIMARY KEY, request_id text NOT NULL REFERENCES privacy_requests,
                at double precision NOT NULL, cause text NOT NULL, acknowledgement_due text,
                response_due text NOT NULL, extended_due text, internal_target text NOT NULL);
            CREATE INDEX deadline_history_request ON deadline_history (request_id);
            CREATE TABLE request_pauses (
                id bigserial PRIMARY KEY, request_id text NOT NULL REFERENCES privacy_requests,
                from_date text NOT NULL, to_date text, reason text NOT NULL);
            CREATE INDEX request_pauses_request ON request_pauses (request_id);
            CREATE TABLE verification_codes (
                purpose text PRIMARY KEY, code_hash bytea NOT NULL, created_at double precision NOT NULL,
                expires_at double precision NOT NULL, attempts bigint NOT NULL, locked boolean NOT NULL,
                address_index bytea NOT NULL);
            CREATE TABLE code_sends (
                id bigserial PRIMARY KEY, subject_id text NOT NULL, address_index bytea NOT NULL,
                at double precision NOT NULL);
            CREATE INDEX code_sends_subject ON code_sends (subject_id, at);
            CREATE INDEX code_sends_address ON code_sends (address_index, at);
            CREATE TABLE request_alerts (
                request_id text NOT NULL REFERENCES privacy_requests, threshold text NOT NULL,
                level text NOT NULL, at double precision NOT NULL, PRIMARY KEY (request_id, threshold));
            CREATE TABLE jobs (
                id bigserial PRIMARY KEY, kind text NOT NULL, request_id text, dedupe_key text NOT NULL UNIQUE,
                payload text NOT NULL, status text NOT NULL, attempts bigint NOT NULL DEFAULT 0,
                max_attempts bigint NOT NULL, run_at double precision NOT NULL, lease_token text,
                leased_by text, lease_expires_at double precision, last_error text,
                created_at double precision NOT NULL, finished_at double precision);
            CREATE INDEX jobs_ready ON jobs (status, run_at);
            CREATE INDEX jobs_lease ON jobs (status, lease_expires_at);
            ALTER TABLE outbox ADD COLUMN subject_id text;
            """
        ),
        (
            "8-erasure",
            """
            CREATE TABLE retained_records (
                id bigserial PRIMARY KEY, pseudonym text NOT NULL, category text NOT NULL, data text NOT NULL,
                legal_basis text NOT NULL, citation text NOT NULL, retain_until double precision NOT NULL,
                request_id text NOT NULL);
            CREATE INDEX retained_records_pseudonym ON retained_records (pseudonym);
            CREATE INDEX retained_until ON retained_records (retain_until);
            CREATE TABLE suppressions (
                token bytea PRIMARY KEY, kind text NOT NULL, request_id text NOT NULL,
                created_at double precision NOT NULL);
            CREATE TABLE deletion_receipts (
                request_id text PRIMARY KEY, account_id text NOT NULL, pseudonym text NOT NULL,
                at double precision NOT NULL, erased text NOT NULL, kept text NOT NULL);
            """
        ),
        (
            "9-recipients",
            """
            CREATE TABLE recipients (
                id text PRIMARY KEY, name text NOT NULL, categories text NOT NULL, webhook_url text NOT NULL,
                secret bytea NOT NULL, active boolean NOT NULL, created_at double precision NOT NULL);
            CREATE TABLE request_recipients (
                request_id text NOT NULL REFERENCES privacy_requests, recipient_id text NOT NULL REFERENCES recipients,
                action text NOT NULL, status text NOT NULL, note text, updated_at double precision NOT NULL,
                PRIMARY KEY (request_id, recipient_id));
            """
        ),
        (
            "10-retention",
            """
            CREATE TABLE purge_lease (
                name text PRIMARY KEY, holder text NOT NULL, host text NOT NULL, pid bigint NOT NULL,
                acquired_at double precision NOT NULL, expires_at double precision NOT NULL);
            CREATE TABLE purge_runs (
                id text PRIMARY KEY, holder text NOT NULL, as_of double precision NOT NULL,
                started_at double precision NOT NULL, finished_at double precision, status text NOT NULL,
                report text);
            CREATE TABLE purge_counts (
                run_id text NOT NULL REFERENCES purge_runs, rule_id text NOT NULL, target text NOT NULL,
                records bigint NOT NULL, PRIMARY KEY (run_id, rule_id, target));
            CREATE TABLE audit_checkpoint (
                id bigint PRIMARY KEY, seq bigint NOT NULL, digest bytea NOT NULL, purged bigint NOT NULL,
                run_id text NOT NULL, at double precision NOT NULL, key_version bigint NOT NULL, mac bytea NOT NULL);
            CREATE INDEX security_events_at ON security_events (at);
            CREATE INDEX support_interactions_at ON support_interactions (at);
            CREATE INDEX orders_placed_at ON orders (placed_at);
            CREATE INDEX outbox_created_at ON outbox (status, created_at);
            CREATE INDEX code_sends_at ON code_sends (at);
            CREATE INDEX suppressions_created_at ON suppressions (created_at);
            CREATE INDEX requests_closed ON privacy_requests (status, completed_at);
            CREATE INDEX audit_at ON audit_log (at);
            CREATE INDEX export_bundles_request ON export_bundles (request_id);
            """
        ),
        (
            "11-access",
            """
            CREATE TABLE staff_users (
                username text PRIMARY KEY, role text NOT NULL, password_hash text NOT NULL,
                created_at double precision NOT NULL, disabled_at double precision);
            CREATE TABLE sessions (
                token_hash bytea PRIMARY KEY,
                staff_username text REFERENCES staff_users ON DELETE CASCADE,
                account_id text REFERENCES accounts ON DELETE CASCADE,
                created_at double precision NOT NULL, expires_at double precision NOT NULL,
                CHECK ((staff_username IS NULL) <> (account_id IS NULL)));
            CREATE INDEX sessions_expiry ON sessions (expires_at);
            CREATE TABLE api_tokens (
                id text PRIMARY KEY, secret_hash bytea NOT NULL UNIQUE, name text NOT NULL, role text NOT NULL,
                created_at double precision NOT NULL, created_by text NOT NULL, revoked_at double precision);
            CREATE TABLE sign_in_failures (
                id bigserial PRIMARY KEY, key text NOT NULL, at double precision NOT NULL);
            CREATE INDEX sign_in_failures_key ON sign_in_failures (key, at);
            """
        ),
        (
            "12-authorized-agents",
            """
            CREATE TABLE drp_agents (
                id text PRIMARY KEY, name text NOT NULL, verify_key text NOT NULL, assurance text NOT NULL,
                callback_hosts text NOT NULL, token_hash bytea UNIQUE, token_issued_at double precision,
                added_at double precision NOT NULL, revoked_at double precision);
            CREATE TABLE drp_requests (
                id text PRIMARY KEY, digest bytea NOT NULL UNIQUE,
                request_id text NOT NULL,
                agent_id text NOT NULL REFERENCES drp_agents, agent_request_id text, status_callback text,
                received_at double precision NOT NULL, denied_reason text, pushed_state text,
                settled_at double precision);
            CREATE INDEX drp_requests_agent_id ON drp_requests (agent_id);
            CREATE INDEX drp_requests_request_id ON drp_requests (request_id);
            CREATE INDEX drp_requests_unsettled ON drp_requests (settled_at);
            CREATE TABLE drp_signatures (
                digest bytea PRIMARY KEY, agent_id text NOT NULL, expires_at double precision NOT NULL);
            """
        ),
        (
            "13-audit-head",
            """
            CREATE TABLE audit_head (
                id bigint PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, mac bytea NOT NULL,
                key_version bigint NOT NULL, head_mac bytea NOT NULL);
            """
        ),
        (
            "14-outbox-dedupe",
            """
            ALTER TABLE outbox ADD COLUMN dedupe_key text;
            CREATE UNIQUE INDEX outbox_dedupe_key ON outbox (dedupe_key) WHERE dedupe_key IS NOT NULL;
            """
        ),
        (
            "15-index-versions",
            """
            ALTER TABLE accounts ADD COLUMN email_index_version bigint, ADD COLUMN phone_index_version bigint;
            ALTER TABLE suppressions ADD COLUMN index_version bigint;
            """
        ),
        (
            "16-request-acknowledgement",
            """
            ALTER TABLE outbox ADD COLUMN request_id text;
            CREATE INDEX outbox_request ON outbox (request_id) WHERE request_id IS NOT NULL;
            ALTER TABLE privacy_requests ADD COLUMN acknowledged_at double precision;
            """
        ),
        (
            "17-keyring-nodes",
            """
            CREATE TABLE key_primary (
                id bigint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL, at double precision NOT NULL);
            CREATE TABLE key_holders (
                node text PRIMARY KEY, versions text NOT NULL, primary_version bigint NOT NULL,
                seen_at double precision NOT NULL);
            """
        ),
        (
            "18-row-bound-fields",
            """
            ALTER TABLE accounts ADD COLUMN seal_ref bytea;
            ALTER TABLE addresses ADD COLUMN seal_ref bytea;
            ALTER TABLE payment_methods ADD COLUMN seal_ref bytea;
            ALTER TABLE orders ADD COLUMN seal_ref bytea;
            ALTER TABLE support_interactions ADD COLUMN seal_ref bytea;
            ALTER TABLE security_events ADD COLUMN seal_ref bytea;
            ALTER TABLE consents ADD COLUMN seal_ref bytea;
            ALTER TABLE record_notes ADD COLUMN seal_ref bytea;
            ALTER TABLE escalations ADD COLUMN seal_ref bytea;
            ALTER TABLE outbox ADD COLUMN seal_ref bytea;
            ALTER TABLE request_events ADD COLUMN seal_ref bytea;
            """
        ),
        (
            "19-row-binding-done",
            """
            CREATE TABLE row_binding (
                id bigint PRIMARY KEY CHECK (id = 1), completed_at double precision NOT NULL);
            """
        ),
        (
            "20-correction-requests",
            """
            ALTER TABLE privacy_requests ADD COLUMN correction bytea;
            """
        ),
        (
            "21-appeals",
            """
            ALTER TABLE privacy_requests ADD COLUMN appeal_of text, ADD COLUMN grounds bytea;
            CREATE UNIQUE INDEX privacy_requests_appeal_of ON privacy_requests (appeal_of) WHERE appeal_of IS NOT NULL;
            """
        ),
        (
            // Export pages through a customer's orders by id (see the SQLite migration of the same name).
            "22-orders-by-account-and-id",
            """
            CREATE INDEX orders_account_id ON orders (account_id, id);
            """
        ),
        (
            // Every column pointing at an account, indexed, so an erasure's cascade never scans a table.
            "23-account-references-indexed",
            """
            CREATE INDEX outbox_account ON outbox (account_id);
            CREATE INDEX escalations_account ON escalations (account_id);
            CREATE INDEX sessions_account ON sessions (account_id);
            """
        ),
    ]

    /// Applies every pending step, each in its own transaction, under the migration lock.
    static func migrate(_ backend: PostgresBackend) async throws {
        try await backend.onThread { session in
            try session.execute(sql: "SELECT pg_advisory_lock(?)", arguments: [PostgresBackend.migrationLock])
            defer {
                try? session.execute(sql: "SELECT pg_advisory_unlock(?)", arguments: [PostgresBackend.migrationLock])
            }
            try session.simple(
                """
                CREATE TABLE IF NOT EXISTS lethe_migrations (
                    name text PRIMARY KEY, applied_order bigint NOT NULL, applied_at double precision NOT NULL)
                """
            )
            let applied = Set(try String.fetchAll(session, sql: "SELECT name FROM lethe_migrations"))
            for (order, step) in steps.enumerated() where !applied.contains(step.name) {
                try session.simple("BEGIN")
                try session.inTransaction {
                    try session.simple(step.sql)
                    try session.execute(
                        sql: "INSERT INTO lethe_migrations (name, applied_order, applied_at) VALUES (?, ?, ?)",
                        arguments: [step.name, order + 1, Date().timeIntervalSince1970]
                    )
                }
            }
        }
    }
}
