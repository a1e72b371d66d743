import Foundation
import LetheCore
import LetheCrypto

/// A change with its values sealed, ready for the database.
private enum SealedChange: Sendable {
    case column(String, SQLValue)
    case columns([(String, SQLValue)])
    case addAddress(AddressRow)
    case replaceAddress(Int64, AddressRow)
    case removeAddress(Int64)
    case addPayment(PaymentRow)
    case removePayment(Int64)
    /// Every sealed column of the account row, re-sealed under a new row reference, written only if the
    /// row still has the reference they were read under.
    case reseal([(String, SQLValue)], expected: Data)
}

/// Another writer rewrote the account row between reading and writing it; the update starts again.
private struct AccountRowMoved: Error {}

/// The plaintext of an account row's sealed columns, read to be re-sealed together under a new row
/// reference, so an earlier value of any one of them cannot be restored into the row.
private struct AccountSecrets {
    var fullName: String
    var email: String
    var phone: String?
    var dateOfBirth: String?
    var passwordHash: String?
    var securityAnswer: String?
    /// The notification settings as their sealed JSON text.
    var notifications: String
    /// The row reference they were sealed under.
    let reference: Data

    func sealed(under reference: RowReference, _ customer: FieldCodec) throws -> [(String, SQLValue)] {
        let codec = customer.row(reference)
        return [
            ("full_name", try codec.seal(fullName, EncryptedField.fullName).sqlValue),
            ("email", try codec.seal(email, EncryptedField.email).sqlValue),
            ("phone", try codec.sealOptional(phone, EncryptedField.phone).sqlValue),
            ("date_of_birth", try codec.sealOptional(dateOfBirth, EncryptedField.dateOfBirth).sqlValue),
            ("password_hash", try codec.sealOptional(passwordHash, EncryptedField.passwordHash).sqlValue),
            ("security_answer", try codec.sealOptional(securityAnswer, EncryptedField.securityAnswer).sqlValue),
            ("notification_settings", try codec.seal(notifications, EncryptedField.notificationSettings).sqlValue),
            ("seal_ref", reference.data.sqlValue),
        ]
    }
}

extension SQLStore {
    /// Inserts the wrapped key into `data_keys`, then `accounts`, `addresses`, `record_notes`, `outbox` and an
    /// `account.created` audit entry in one serialized write; the email must be free under every loaded master version.
    public func createAccount(_ id: AccountID, _ new: NewAccount, note: RecordNote, welcome: OutboxMessage) async throws
    {
        let (key, wrapped) = try await vault.newDataKey(for: id.description)
        let codec = try FieldCodec(customerID: id.description, keyID: wrapped.id, key: key)
        // Primary version first: the first token is the one stored, all of them guard uniqueness.
        let emailTokens = try await emailIndexes(new.email)
        let emailIndex = emailTokens[0]
        let indexVersion = Int64(await vault.keyring.primaryVersion)
        let email = try BlindIndex.normaliseEmail(new.email)
        let phone = try new.phone.map { phone throws -> String in
            do { return try BlindIndex.normalisePhone(phone) } catch {
                throw StoreError.invalidValue(field: "phone", reason: "\(error)")
            }
        }
        let phoneIndex = try await phone.asyncMap { try await self.phoneIndex($0) }
        let account = id.description
        let row = try AccountRow(
            sealing: new,
            email: email,
            emailIndex: emailIndex,
            phone: phone,
            phoneIndex: phoneIndex,
            with: codec
        )
        let addresses = try new.addresses.map { try AddressRow(sealing: $0, with: codec) }
        let sealedNote = try RecordNoteRow(sealing: note, with: codec)
        let sealedWelcome = try OutboxRow(sealing: welcome, with: codec, at: new.createdAt)
        let signer = try await auditSigner()
        let opened = AuditEvent(
            at: new.createdAt,
            actor: note.author,
            action: "account.created",
            subjectType: "account",
            subjectID: account,
            fields: note.changedFields
        )
        let faults = self.faults
        do {
            try await database.write { db in
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE id = ?", arguments: [account]) == true {
                    throw StoreError.accountIDTaken(id)
                }
                // Unique across every loaded master version: an account indexed before a rotation still
                // owns its address until its index is recomputed.
                if try Bool.fetchOne(
                    db,
                    sql: "SELECT 1 FROM accounts WHERE email_index IN (\(Self.placeholders(emailTokens.count)))",
                    arguments: emailTokens.map { $0 as (any SQLBindable)? }
                ) == true {
                    throw StoreError.emailInUse
                }
                try db.execute(
                    sql: """
                        INSERT INTO data_keys (account_id, key_id, key_version, master_version, sealed, created_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        account, Int64(wrapped.id.keyID), Int64(wrapped.id.version), Int64(wrapped.masterVersion),
                        Data(wrapped.sealed), new.createdAt.storeValue,
                    ]
                )
                try faults.check("create.after-key")
                try row.insert(db, id: account)
                try db.execute(
                    sql: "UPDATE accounts SET email_index_version = ?, phone_index_version = ? WHERE id = ?",
                    arguments: [indexVersion, phone == nil ? nil : indexVersion, account]
                )
                try faults.check("create.after-account")
                for address in addresses { try address.insert(db, account: account) }
                try sealedNote.insert(db)
                try faults.check("create.before-outbox")
                try sealedWelcome.insert(db)
                try signer.append(opened, db)
            }
        } catch let error as SQLConstraintViolation where error.kind == .unique && error.message.contains("email_index")
        {
            throw StoreError.emailInUse
        }
        await vault.remember(key, id: wrapped.id, for: account)
    }

    /// Reads `accounts`, `addresses` and `payment_methods` in one snapshot, then opens the columns; only
    /// the brand, last four digits and expiry of each card are read.
    public func account(_ id: AccountID) async throws -> Account? {
        let account = id.description
        let rows = try await database.read { db -> (AccountRow, [AddressRow], [PaymentRow])? in
            guard let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM accounts WHERE id = ?", arguments: [account])
            else {
                return nil
            }
            let addresses = try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM addresses WHERE account_id = ? ORDER BY id",
                arguments: [account]
            ).map(AddressRow.init)
            let payments = try SQLRow.fetchAll(
                db,
                sql: "SELECT id, brand, last4, expiry, seal_ref FROM payment_methods WHERE account_id = ? ORDER BY id",
                arguments: [account]
            ).map(PaymentRow.init)
            return (AccountRow(row), addresses, payments)
        }
        guard let (row, addresses, payments) = rows else { return nil }
        return try row.open(id, addresses: addresses, payments: payments, with: try await codec(id))
    }

    /// Matches `accounts.email_index` against the email's token under every loaded master version.
    public func accountID(forEmail email: String) async throws -> AccountID? {
        let tokens = try await emailIndexes(email)
        return try await lookup(
            "SELECT id FROM accounts WHERE email_index IN (\(Self.placeholders(tokens.count)))",
            tokens
        )
    }

    /// Matches `accounts.phone_index` against the phone's token under every loaded master version.
    public func accountID(forPhone phone: String) async throws -> AccountID? {
        let tokens = try await phoneIndexes(phone)
        return try await lookup(
            "SELECT id FROM accounts WHERE phone_index IN (\(Self.placeholders(tokens.count)))",
            tokens
        )
    }

    private func lookup(_ sql: String, _ tokens: [Data]) async throws -> AccountID? {
        let arguments = tokens.map { $0 as (any SQLBindable)? }
        let text = try await database.read { db in try String.fetchOne(db, sql: sql, arguments: arguments) }
        return try text.map { try AccountID($0) }
    }

    /// Opens `accounts.security_answer`; nil when the account has none or does not exist.
    public func securityAnswer(_ id: AccountID) async throws -> String? {
        let account = id.description
        let sealed = try await database.read { db in
            try SQLRow.fetchOne(
                db,
                sql: "SELECT security_answer, seal_ref FROM accounts WHERE id = ?",
                arguments: [account]
            )
        }
        guard let row = sealed, let data = row["security_answer"] as Data? else { return nil }
        return try await codec(id).row(try RowReference.stored(row["seal_ref"])).open(
            data,
            EncryptedField.securityAnswer
        )
    }

    /// Seals every change first, then applies them with `updated_at`, the note, the notification and an
    /// `account.changed` audit entry in one serialized write.
    public func updateAccount(
        _ id: AccountID,
        changes: [AccountChange],
        note: RecordNote,
        notification: OutboxMessage?
    ) async throws {
        // Optimistic: a writer that rewrote the row in between makes this attempt start over.
        for _ in 1...5 {
            do {
                return try await updateAccountOnce(id, changes: changes, note: note, notification: notification)
            } catch is AccountRowMoved {
                continue
            }
        }
        throw StoreError.invalidValue(field: "account \(id)", reason: "changed by others while being updated")
    }

    /// The account row's sealed columns, opened under its current reference.
    private func accountSecrets(_ id: AccountID, _ customer: FieldCodec) async throws -> AccountSecrets {
        let account = id.description
        let row = try await database.read { db in
            try SQLRow.fetchOne(
                db,
                sql: """
                    SELECT full_name, email, phone, date_of_birth, password_hash, security_answer,
                        notification_settings, seal_ref
                    FROM accounts WHERE id = ?
                    """,
                arguments: [account]
            )
        }
        guard let row else { throw StoreError.accountNotFound(id) }
        let reference = try RowReference.stored(row["seal_ref"])
        let codec = customer.row(reference)
        return AccountSecrets(
            fullName: try codec.open(row["full_name"], EncryptedField.fullName),
            email: try codec.open(row["email"], EncryptedField.email),
            phone: try codec.openOptional(row["phone"], EncryptedField.phone),
            dateOfBirth: try codec.openOptional(row["date_of_birth"], EncryptedField.dateOfBirth),
            passwordHash: try codec.openOptional(row["password_hash"], EncryptedField.passwordHash),
            securityAnswer: try codec.openOptional(row["security_answer"], EncryptedField.securityAnswer),
            notifications: try codec.open(row["notification_settings"], EncryptedField.notificationSettings),
            reference: reference.data
        )
    }

    private func updateAccountOnce(
        _ id: AccountID,
        changes: [AccountChange],
        note: RecordNote,
        notification: OutboxMessage?
    ) async throws {
        let codec = try await codec(id)
        // Read and re-sealed only when a change touches a sealed column of the account row itself.
        let touchesRow = changes.contains {
            switch $0 {
            case .fullName, .email, .phone, .preferences: true
            default: false
            }
        }
        var secrets = touchesRow ? try await accountSecrets(id, codec) : nil
        let indexVersion = Int64(await vault.keyring.primaryVersion)
        var emailTokens: [Data]?
        var sealed: [SealedChange] = []
        for change in changes {
            switch change {
            case .fullName(let name):
                secrets?.fullName = name
            case .email(let email):
                let normalised = try BlindIndex.normaliseEmail(email)
                let tokens = try await emailIndexes(normalised)
                emailTokens = tokens
                secrets?.email = normalised
                sealed.append(
                    .columns([
                        ("email_index", tokens[0].sqlValue),
                        ("email_index_version", .integer(indexVersion)),
                    ])
                )
            case .phone(let phone):
                if let phone {
                    let normalised: String
                    do { normalised = try BlindIndex.normalisePhone(phone) } catch {
                        throw StoreError.invalidValue(field: "phone", reason: "\(error)")
                    }
                    secrets?.phone = normalised
                    sealed.append(
                        .columns([
                            ("phone_index", try await phoneIndex(normalised).sqlValue),
                            ("phone_index_version", .integer(indexVersion)),
                        ])
                    )
                } else {
                    secrets?.phone = nil
                    sealed.append(.columns([("phone_index", .null), ("phone_index_version", .null)]))
                }
            case .addAddress(let address): sealed.append(.addAddress(try AddressRow(sealing: address, with: codec)))
            case .replaceAddress(let addressID, let address):
                sealed.append(.replaceAddress(addressID, try AddressRow(sealing: address, with: codec)))
            case .removeAddress(let addressID): sealed.append(.removeAddress(addressID))
            case .addPaymentMethod(let method):
                sealed.append(.addPayment(try PaymentRow(sealing: method, with: codec)))
            case .removePaymentMethod(let methodID): sealed.append(.removePayment(methodID))
            case .preferences(let preferences):
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                secrets?.notifications = String(
                    decoding: try encoder.encode(preferences.notifications),
                    as: UTF8.self
                )
                sealed.append(
                    .columns([
                        ("language", preferences.language.sqlValue),
                        ("subscription", preferences.subscription.sqlValue),
                    ])
                )
            case .subscription(let plan): sealed.append(.column("subscription", plan.sqlValue))
            case .status(let status): sealed.append(.column("status", status.rawValue.sqlValue))
            }
        }
        if let secrets {
            // First, so a row rewritten by someone else stops this write before anything else changes.
            let columns = try secrets.sealed(under: try RowReference.random(), codec)
            sealed.insert(.reseal(columns, expected: secrets.reference), at: 0)
        }
        let sealedNote = try RecordNoteRow(sealing: note, with: codec)
        let sealedNotification = try notification.map { try OutboxRow(sealing: $0, with: codec, at: note.at) }
        let account = id.description
        let at = note.at.storeValue
        let faults = self.faults
        let changes = sealed
        let newEmailTokens = emailTokens
        let signer = try await auditSigner()
        let changed = AuditEvent(
            at: note.at,
            actor: note.author,
            action: "account.changed",
            subjectType: "account",
            subjectID: account,
            fields: note.changedFields,
            reason: note.verification.map { "verified by \($0.method.rawValue)" }
        )
        do {
            try await database.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE id = ?", arguments: [account]) == true
                else {
                    throw StoreError.accountNotFound(id)
                }
                if let tokens = newEmailTokens,
                    try Bool.fetchOne(
                        db,
                        sql:
                            "SELECT 1 FROM accounts WHERE id <> ? AND email_index IN (\(Self.placeholders(tokens.count)))",
                        arguments: [account as (any SQLBindable)?] + tokens.map { $0 as (any SQLBindable)? }
                    ) == true
                {
                    throw StoreError.emailInUse
                }
                for change in changes {
                    try Self.apply(change, to: account, id: id, db)
                    try faults.check("update.after-change")
                }
                try db.execute(sql: "UPDATE accounts SET updated_at = ? WHERE id = ?", arguments: [at, account])
                try sealedNote.insert(db)
                try faults.check("update.before-notification")
                try sealedNotification?.insert(db)
                try signer.append(changed, db)
            }
        } catch let error as SQLConstraintViolation where error.kind == .unique && error.message.contains("email_index")
        {
            throw StoreError.emailInUse
        }
    }

    private static func apply(_ change: SealedChange, to account: String, id: AccountID, _ db: any SQLSession) throws {
        switch change {
        case .column(let name, let value):
            try db.execute(sql: "UPDATE accounts SET \(name) = ? WHERE id = ?", arguments: [value, account])
        case .columns(let pairs):
            let assignments = pairs.map { "\($0.0) = ?" }.joined(separator: ", ")
            try db.execute(
                sql: "UPDATE accounts SET \(assignments) WHERE id = ?",
                arguments: SQLArguments(pairs.map { $0.1 as (any SQLBindable)? } + [account])
            )
        case .reseal(let pairs, let expected):
            let assignments = pairs.map { "\($0.0) = ?" }.joined(separator: ", ")
            try db.execute(
                sql: "UPDATE accounts SET \(assignments) WHERE id = ? AND seal_ref = ?",
                arguments: SQLArguments(pairs.map { $0.1 as (any SQLBindable)? } + [account, expected])
            )
            if db.changesCount == 0 { throw AccountRowMoved() }
        case .addAddress(let address): try address.insert(db, account: account)
        case .replaceAddress(let addressID, let address):
            try db.execute(
                sql: """
                    UPDATE addresses SET label = ?, line1 = ?, line2 = ?, city = ?, postal_code = ?, country = ?,
                        seal_ref = ?
                    WHERE id = ? AND account_id = ?
                    """,
                arguments: [
                    address.label, address.line1, address.line2, address.city, address.postalCode, address.country,
                    address.sealRef, addressID, account,
                ]
            )
            if db.changesCount == 0 { throw StoreError.addressNotFound(id, addressID) }
        case .removeAddress(let addressID):
            try db.execute(
                sql: "DELETE FROM addresses WHERE id = ? AND account_id = ?",
                arguments: [addressID, account]
            )
            if db.changesCount == 0 { throw StoreError.addressNotFound(id, addressID) }
        case .addPayment(let payment):
            try payment.insert(db, account: account, at: Date())
        case .removePayment(let methodID):
            try db.execute(
                sql: "DELETE FROM payment_methods WHERE id = ? AND account_id = ?",
                arguments: [methodID, account]
            )
            if db.changesCount == 0 { throw StoreError.paymentMethodNotFound(id, methodID) }
        }
    }

    /// Deletes the rows of every account table and `data_keys` in one transaction, then evicts the key from
    /// ``vault``. Unlike ``eraseCustomer(_:request:plan:at:)`` it keeps nothing, writes no receipt or audit
    /// entry, and does not checkpoint SQLite's WAL.
    public func eraseAccount(_ id: AccountID) async throws -> Int {
        let account = id.description
        let faults = self.faults
        let removed = try await database.write { db in
            try Self.deleteAccountRows(db, account: account, faults: faults).values.reduce(0, +)
        }
        await vault.forget(account)
        return removed
    }

    /// Reads `accounts.status` alone.
    public func accountStatus(_ id: AccountID) async throws -> AccountStatus? {
        let account = id.description
        return try await database.read { db in
            try String.fetchOne(db, sql: "SELECT status FROM accounts WHERE id = ?", arguments: [account])
        }.flatMap(AccountStatus.init(rawValue:))
    }

    /// Counts the rows of `accounts`.
    public func accountCount() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM accounts") ?? 0 }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
