import Foundation
import LetheCore
import LetheCrypto
import LetheStore

/// A realistic, clearly fictional data set for trying Lethe out: invented names, reserved example
/// domains (example.com/.net/.org), fictional phone ranges (UK 020 7946 0xxx, US 555-01xx) and card
/// networks' published test numbers.
public struct DemoData: Sendable {
    /// What ``load(count:progress:)`` created, for the command line to report.
    public struct Summary: Sendable {
        /// The ids of the demo customers, in the order they were created.
        public let accounts: [AccountID]
        /// Orders added across all customers (up to 39 each).
        public let orders: Int
        /// Payment cards added, one per customer, all networks' published test numbers.
        public let paymentMethods: Int
        /// Consent entries appended to the customers' consent ledgers.
        public let consents: Int
        /// Support transcripts added, spread over three years so that some are due for purging.
        public let supportInteractions: Int
        /// Accounts deactivated long enough ago that the retention scheduler erases them.
        public let dormant: Int
    }

    static let givenNames = [
        "Odessa", "Barnaby", "Ysolde", "Caspian", "Wilhelmina", "Ignatius", "Perpetua", "Lysander", "Thaddeus",
        "Marigold",
        "Evander", "Clementine", "Peregrine", "Honora", "Leopold", "Sabine", "Ambrose", "Rosalind", "Octavian",
        "Delphine",
    ]
    static let familyNames = [
        "Farthingale", "Quimby", "Applewhite", "Thistlewood", "Brackenbury", "Ravensworth", "Pennyfeather",
        "Marchbanks",
        "Featherstonehaugh", "Wrenfield", "Hollowell", "Ashdown", "Larkspur", "Merriweather", "Oakhurst", "Fennimore",
    ]
    static let streets = [
        "Quillfeather Lane", "Sycamore Row", "Lantern Yard", "Kestrel Way", "Marrowbone Street", "Copperleaf Close",
        "Tinker's Walk", "Juniper Mews",
    ]
    static let places: [(city: String, postcode: String, country: String, residence: String)] = [
        ("Exampleton", "EX1 2QZ", "GB", "uk-gdpr"), ("Sampleford", "SF4 9XY", "GB", "uk-gdpr"),
        ("Musterstadt", "10999", "DE", "eu-gdpr"), ("Dublin", "D02 X285", "IE", "eu-gdpr"),
        ("Fremont", "94536", "US", "us-ca"), ("Richmond", "23219", "US", "us-va"), ("Denver", "80202", "US", "us-co"),
        ("Toronto", "M5V 2T6", "CA", "ca-pipeda"),
    ]
    static let testCards = ["4242 4242 4242 4242", "5555 5555 5555 4444", "3782 822463 10005", "6011 1111 1111 1117"]
    static let products = ["Teapot", "Tea cosy", "Loose-leaf sampler", "Porcelain cup", "Brass kettle", "Honey jar"]
    static let purposes = [
        "marketing-email", "sms", "push", "analytics", "personalisation", "third-party-sharing", "sale-or-sharing",
    ]

    let accounts: AccountService
    let store: any AccountRepository
    let random: any RandomSource
    let clock: any WallClock

    /// Creates a loader that opens accounts through `accounts` (so they are encrypted and audited like real
    /// ones) and adds their history directly to `store`; a seeded `random` gives the same data set each time.
    public init(accounts: AccountService, store: any AccountRepository, random: any RandomSource, clock: any WallClock)
    {
        self.accounts = accounts
        self.store = store
        self.random = random
        self.clock = clock
    }

    func pick<T>(_ items: [T]) throws -> T { items[Int(try random.uniform(below: UInt32(items.count)))] }
    func number(_ below: Int) throws -> Int { Int(try random.uniform(below: UInt32(below))) }

    /// Loads `count` customers with their history; `progress` is called after each one.
    /// - Throws: `AccountError` when an account is refused, `StoreError` from the store, `PaymentCardError`
    ///   for a card value, or the random source's `CryptoError`.
    public func load(count: Int, progress: (Int) -> Void = { _ in }) async throws -> Summary {
        var ids: [AccountID] = []
        var orders = 0
        var cards = 0
        var consents = 0
        var support = 0
        var dormant = 0
        let now = clock.now()
        for n in 0..<count {
            let given = try pick(Self.givenNames)
            let family = try pick(Self.familyNames)
            let place = try pick(Self.places)
            let phone =
                place.country == "US" || place.country == "CA"
                ? "+1 415 555 01\(String(format: "%02d", n % 100))" : "+44 20 7946 0\(String(format: "%03d", n % 1000))"
            let application = AccountApplication(
                fullName: "\(given) \(family)",
                email: "\(given.lowercased()).\(family.lowercased()).\(n)@example.\(try pick(["com", "net", "org"]))",
                phone: phone,
                dateOfBirth: LocalDate(
                    year: 1950 + (try number(55)),
                    month: 1 + (try number(12)),
                    day: 1 + (try number(28))
                ),
                residence: place.residence,
                addresses: [
                    PostalAddress(
                        label: "home",
                        line1: "\(1 + (try number(180))) \(try pick(Self.streets))",
                        city: place.city,
                        postalCode: place.postcode,
                        country: place.country
                    )
                ],
                securityAnswer: try pick(["Marmalade", "Biscuit", "Pemberton", "Otter"])
            )
            let id = try await accounts.create(application, by: "demo")
            ids.append(id)
            let card = NewPaymentMethod(
                card: try PaymentCardNumber(try pick(Self.testCards)),
                cardholderName: "\(given) \(family)",
                expiry: try CardExpiry(month: 1 + (try number(12)), year: 2027 + (try number(5)))
            )
            try await store.updateAccount(
                id,
                changes: [.addPaymentMethod(card), .subscription(try pick([nil, "monthly-tea", "annual-tea"]))],
                note: RecordNote(
                    accountID: id,
                    at: now,
                    author: "demo",
                    changedFields: ["payment-method", "subscription"],
                    reason: "Demo data",
                    reference: nil,
                    verification: nil
                ),
                notification: nil
            )
            cards += 1
            let orderCount = try number(40)
            var newOrders: [Order] = []
            for o in 0..<orderCount {
                newOrders.append(
                    Order(
                        placedAt: now.addingTimeInterval(-Double(o + 1) * 86_400 * Double(1 + (try number(20)))),
                        totalCents: Int64(500 + (try number(20_000))),
                        currency: place.country == "US" ? "USD" : place.country == "GB" ? "GBP" : "EUR",
                        status: try pick(["delivered", "delivered", "delivered", "returned", "cancelled"]),
                        items: "\(1 + (try number(3))) × \(try pick(Self.products))",
                        shippingAddress: "\(place.city) \(place.postcode)"
                    )
                )
            }
            try await store.addOrders(id, newOrders)
            orders += orderCount
            for purpose in Self.purposes where try number(3) > 0 {
                try await store.appendConsent(
                    id,
                    ConsentRecord(
                        purpose: purpose,
                        granted: try number(2) == 1,
                        source: try pick(["customer", "customer", "gpc-signal", "unsubscribe-link"]),
                        sourceDetail: nil,
                        noticeVersion: "2026-01",
                        at: now.addingTimeInterval(-Double(try number(300)) * 86_400)
                    )
                )
                consents += 1
            }
            if try number(2) == 1 {
                try await store.addSupportInteraction(
                    id,
                    // Spread over three years, so part of it is past the two-year support-history rule.
                    at: now.addingTimeInterval(-Double(try number(1_100)) * 86_400),
                    channel: try pick(["email", "chat", "phone"]),
                    transcript: "Customer asked about the delivery of a \(try pick(Self.products).lowercased())."
                )
                support += 1
            }
            try await store.addSecurityEvent(
                id,
                // Over a year, so part of it is past the 180-day security-events rule.
                at: now.addingTimeInterval(-Double(try number(400)) * 86_400),
                kind: "sign-in",
                ipAddress: "198.51.100.\(try number(250))",
                userAgent: "Mozilla/5.0 (X11; Linux x86_64)"
            )
            // One in twelve customers deactivated their account years ago and never came back: past the
            // three-year inactivity rule, so `lethe purge` erases them with a deletion receipt.
            if n % 12 == 11 {
                try await store.updateAccount(
                    id,
                    changes: [.status(.deactivated)],
                    note: RecordNote(
                        accountID: id,
                        at: now.addingTimeInterval(-Double(1_100 + (try number(700))) * 86_400),
                        author: "demo",
                        changedFields: ["status"],
                        reason: "Deactivated at the customer's request (demo data)",
                        reference: nil,
                        verification: nil
                    ),
                    notification: nil
                )
                dormant += 1
            }
            progress(n + 1)
        }
        return Summary(
            accounts: ids,
            orders: orders,
            paymentMethods: cards,
            consents: consents,
            supportInteractions: support,
            dormant: dormant
        )
    }
}
