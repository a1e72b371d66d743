import Foundation
import LetheCore
import LetheCrypto

/// Everything Lethe persists, behind one protocol: ``SQLStore`` implements it on SQLite (embedded, the
/// default) and on PostgreSQL (shared by several nodes); one conformance suite runs against both.
///
/// Callers hand the store plaintext and get plaintext back: every personal column is sealed under its
/// customer's data key before it reaches the database. Each requirement that writes is one transaction.
/// Besides the errors each requirement names, any of them can throw the database's own errors, and a
/// `CryptoError` when a stored ciphertext fails to open or a key is wrapped under a master-key version
/// the keyring no longer holds.
public protocol LetheStore: AccountRepository, KeyRepository, AuditRepository, OutboxRepository, RequestRepository,
    JobRepository, HoldRepository, ExportBundleRepository, ErasureRepository, RecipientRepository,
    RetentionRepository, AccessRepository, AgentRepository
{}
