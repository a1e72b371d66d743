import Foundation
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore
import LetheTestSupport
import Testing

/// Rotating the master key keeps every lookup, uniqueness check and suppression working, half-way
/// through and after, and lets the old version go once nothing needs it.
@Suite("Key rotation and blind indexes")
struct KeyRotationTests {
    @Test("half-way through a rotation, email lookups, uniqueness and requests by email still hold")
    func halfFinishedRotation() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        // The new primary is loaded, nothing is reindexed yet (a rotation killed before its first batch).
        await h.vault.replaceKeyring(try await h.vault.keyring.rotated())
        #expect(try await h.store.accountID(forEmail: "Honora.W@example.org") == h.customer)
        await #expect(throws: AccountError.invalid(field: "email", reason: "another account already uses this address"))
        {
            try await h.accounts.create(
                AccountApplication(fullName: "Second Honora", email: "honora.w@example.org", residence: "uk-gdpr"),
                by: "agent-1"
            )
        }
        let receipt = try await h.requests.submit(
            RequestSubmission(kind: .export, email: "honora.w@example.org", channel: .email)
        )
        #expect(try await h.store.request(receipt.outcome.requestID)?.request.accountID == h.customer)

        // Reindexing moves the token to the new version; a second pass finds nothing to do.
        let before = try await h.store.keyVersionUsage()
        #expect(before[1]?.accountIndexes ?? 0 >= 1)
        #expect(try await h.store.reindexBlindIndexes(limit: 100) >= 1)
        #expect(try await h.store.reindexBlindIndexes(limit: 100) == 0)
        #expect((try await h.store.keyVersionUsage()[1]?.accountIndexes ?? 0) == 0)
        #expect(try await h.store.accountID(forEmail: "honora.w@example.org") == h.customer)
    }

    @Test("the audit trail is re-MACed under the new version and verifies without the old one")
    func auditSurvivesRetirement() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        _ = try await h.submit(.export)
        await h.vault.replaceKeyring(try await h.vault.keyring.rotated())
        while try await h.store.rewrapDataKeys(limit: 100) > 0 {}
        #expect(try await h.store.keyVersionUsage()[1]?.auditEntries ?? 0 > 0)
        let count = try await h.store.reMACAuditTrail()
        #expect(count > 0)
        #expect((try await h.store.keyVersionUsage()[1]?.auditEntries ?? 0) == 0)
        await h.vault.replaceKeyring(try await h.vault.keyring.retiring(1))
        #expect(try await h.store.firstBrokenAuditEntry() == nil)
    }
}

/// A key destroyed by one process is no longer used by another that had it cached.
@Suite("Shredding across processes")
struct CrossProcessShreddingTests {
    @Test("after another process erases the customer, this one neither reads with the key nor seals under it")
    func cachedKeyIsDropped() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        // This "process" (h.store) reads the customer, caching their key.
        #expect(try await h.store.account(h.customer) != nil)
        let receipt = try await h.requests.submit(
            RequestSubmission(kind: .export, accountID: h.customer, channel: .web)
        )
        // Another process, with its own key cache, erases the customer.
        let other = try await TestBackend.openStore(folder: h.folder, vault: KeyVault(keyring: await h.vault.keyring))
        _ = try await other.eraseCustomer(
            h.customer,
            request: RequestID("R-other-process"),
            plan: ErasurePlan(decisions: [:]),
            at: h.clock.now()
        )
        await other.close()
        // Here the cached key is dropped at its next use: nothing opens with it, nothing is sealed under it.
        #expect(try await h.store.account(h.customer) == nil)
        let stored = try #require(try await h.store.request(receipt.outcome.requestID))
        #expect(stored.requesterEmail == nil)
        await #expect(throws: StoreError.keyMissing(h.customer)) {
            try await h.store.appendConsent(
                h.customer,
                ConsentRecord(
                    purpose: "marketing-email",
                    granted: true,
                    source: "customer",
                    sourceDetail: "after the erasure",
                    noticeVersion: "2026-01",
                    at: h.clock.now()
                )
            )
        }
    }
}
