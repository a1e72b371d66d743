import Foundation
import LetheCore
import LetheCrypto
import LetheStore

// Seeds a data folder with a purge backlog of about 1,000,000 due records for `purge-load.sh`:
// dormant customers (deactivated eleven years ago, erased whole with a receipt each) and active
// customers whose orders are eleven years old (purged in batches by the tax-retention rule).
//   PurgeBacklog <data folder> [dormant customers] [active customers] [orders per customer]

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: PurgeBacklog <data folder> [dormant] [active] [orders]\n".utf8))
    exit(2)
}
let folder = arguments[1]
let dormant = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000
let active = arguments.count > 3 ? Int(arguments[3]) ?? 10_000 : 10_000
let ordersEach = arguments.count > 4 ? Int(arguments[4]) ?? 48 : 48

let keyFile = (folder as NSString).appendingPathComponent("master.key")
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let keyring = try MasterKeyring.generate()
try keyring.write(to: keyFile)
let store = try SQLStore(folder: folder, vault: KeyVault(keyring: keyring))
let long = Date().addingTimeInterval(-11 * 366 * 86_400)
let started = Date()
var rows = 0
for n in 0..<(dormant + active) {
    guard let id = AccountID(number: n) else { break }
    try await store.createAccount(
        id,
        NewAccount(
            fullName: "Ambrose Fennimore \(n)",
            email: "ambrose.fennimore.\(n)@example.org",
            phone: "+44 20 7946 \(String(format: "%04d", n % 10_000))",
            residence: "uk-gdpr",
            addresses: [
                PostalAddress(
                    label: "home",
                    line1: "\(n % 180) Lantern Yard",
                    city: "Exampleton",
                    postalCode: "EX1 2QZ",
                    country: "GB"
                )
            ],
            preferences: Preferences(language: "en", notifications: ["email": true]),
            createdAt: long
        ),
        note: RecordNote(
            accountID: id,
            at: long,
            author: "load",
            changedFields: ["account"],
            reason: "Opened",
            reference: nil,
            verification: nil
        ),
        welcome: OutboxMessage(kind: "welcome", accountID: id, recipient: nil, parameters: [:])
    )
    try await store.addOrders(
        id,
        (0..<ordersEach).map { o in
            Order(
                placedAt: long.addingTimeInterval(Double(o) * 3600),
                totalCents: 1_999,
                currency: "GBP",
                status: "delivered",
                items: "2 × Loose-leaf sampler",
                shippingAddress: "Exampleton EX1 2QZ"
            )
        }
    )
    rows += ordersEach
    if n < dormant {
        try await store.updateAccount(
            id,
            changes: [.status(.deactivated)],
            note: RecordNote(
                accountID: id,
                at: long,
                author: "load",
                changedFields: ["status"],
                reason: "Deactivated",
                reference: nil,
                verification: nil
            ),
            notification: nil
        )
        // The account, its address, its notes and its welcome message go with it.
        rows += 1 + 1 + 2 + 1
    }
    if n % 1_000 == 999 {
        FileHandle.standardError.write(Data("seeded \(n + 1) customers, \(rows) due records\n".utf8))
    }
}
print(
    "seeded \(dormant) dormant and \(active) active customers: \(rows) due records in \(Int(Date().timeIntervalSince(started))) s"
)
