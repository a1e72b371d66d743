import Foundation
import LetheCore

// The shape of `data.json` in an export bundle (schema in `Exports/schema/`), one type per section.
struct Manifest: Encodable {
    let bundle_id: String
    let request_id: String?
    let created_at: String
    let format_version: String
    let files: [String: String]

    // `request_id` is always present, null for a bundle an officer made outside a request: the synthesised
    // encoder would leave the key out, and the documented manifest has it.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(bundle_id, forKey: .bundle_id)
        try c.encode(request_id, forKey: .request_id)
        try c.encode(created_at, forKey: .created_at)
        try c.encode(format_version, forKey: .format_version)
        try c.encode(files, forKey: .files)
    }

    enum Key: String, CodingKey { case bundle_id, request_id, created_at, format_version, files }
}

/// The fields an access bundle reports only as held, never with their value: those `classification.yaml`
/// marks `disclosure: held-only` (Connecticut's SB 1295 from 2026-07-01; 11 CCR §7024(d)).
struct Withholding: Sendable {
    /// Why the values are withheld, written beside each field in the bundle.
    static let basis =
        "Conn. Gen. Stat. §42-518 as amended by P.A. 25-113 (SB 1295), from 2026-07-01; 11 CCR §7024(d)"

    let fields: [FieldClassification]

    init(_ policies: PolicySet) { fields = policies.fields.filter(\.heldOnly) }

    func withholds(_ record: String, _ field: String) -> Bool {
        fields.contains { $0.record == record && $0.field == field }
    }

    /// The value as the bundle shows it: itself, or `collected` when the field is withheld.
    func shown(_ value: String?, _ record: String, _ field: String) -> String? {
        guard value != nil, withholds(record, field) else { return value }
        return "collected"
    }

    /// The account as every file of the bundle shows it: each withheld text field replaced by `collected`.
    /// Passwords, security answers and full card numbers are never read for a bundle in the first place
    /// (the store returns only whether they are held), so they need no replacing here.
    func applied(to account: Account) -> Account {
        var shown = account
        shown.fullName = self.shown(account.fullName, "account", "full-name") ?? ""
        shown.email = self.shown(account.email, "contact", "email") ?? ""
        shown.phone = self.shown(account.phone, "contact", "phone")
        shown.addresses = account.addresses.map { stored in
            var address = stored.address
            address.line1 = self.shown(address.line1, "address", "line1") ?? ""
            address.line2 = self.shown(address.line2, "address", "line2")
            address.city = self.shown(address.city, "address", "city") ?? ""
            address.postalCode = self.shown(address.postalCode, "address", "postal-code") ?? ""
            return StoredAddress(id: stored.id, address: address)
        }
        return shown
    }

    /// The bundle's `withheld` section: every withheld field, and whether this customer's record holds it.
    func section(for account: Account) -> [WithheldJSON] {
        fields.map { field in
            WithheldJSON(record: field.record, field: field.field, held: Self.holds(account, field), basis: Self.basis)
        }
    }

    static func holds(_ account: Account, _ field: FieldClassification) -> Bool {
        switch (field.record, field.field) {
        case ("account", "password-hash"): return account.holdsPassword
        case ("account", "security-answer"): return account.holdsSecurityAnswer
        case ("contact", "phone"): return account.phone != nil
        case ("address", _): return !account.addresses.isEmpty
        case ("payment-method", _): return !account.paymentMethods.isEmpty
        default: return true
        }
    }
}

/// One withheld field in `data.json`: what it is, whether it is held, and why its value is not shown.
struct WithheldJSON: Encodable {
    let record: String, field: String, held: Bool, basis: String
}

struct AccountJSON: Encodable {
    let id: String, status: String, full_name: String, email: String, phone: String?, date_of_birth: String?
    let residence: String, created_at: String, language: String, subscription: String?
    let notification_settings: [String: Bool], password: String, security_answer: String, promo_code: String?

    init(_ a: Account) {
        id = a.id.description
        status = a.status.rawValue
        full_name = a.fullName
        email = a.email
        phone = a.phone
        date_of_birth = a.dateOfBirth?.description
        residence = a.residence
        created_at = ISO.format(a.createdAt)
        language = a.preferences.language
        subscription = a.preferences.subscription
        notification_settings = a.preferences.notifications
        // Passwords and security answers are never disclosed, only whether they are held (CCPA §7024(d)).
        password = a.holdsPassword ? "collected" : "not collected"
        security_answer = a.holdsSecurityAnswer ? "collected" : "not collected"
        promo_code = a.promoCode
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(id, forKey: .id)
        try c.encode(status, forKey: .status)
        try c.encode(full_name, forKey: .full_name)
        try c.encode(email, forKey: .email)
        try c.encode(phone, forKey: .phone)
        try c.encode(date_of_birth, forKey: .date_of_birth)
        try c.encode(residence, forKey: .residence)
        try c.encode(created_at, forKey: .created_at)
        try c.encode(language, forKey: .language)
        try c.encode(subscription, forKey: .subscription)
        try c.encode(notification_settings, forKey: .notification_settings)
        try c.encode(password, forKey: .password)
        try c.encode(security_answer, forKey: .security_answer)
        try c.encode(promo_code, forKey: .promo_code)
    }

    enum Key: String, CodingKey {
        case id, status, full_name, email, phone, date_of_birth, residence, created_at, language, subscription
        case notification_settings, password, security_answer, promo_code
    }
}

struct AddressJSON: Encodable {
    let label: String, line1: String, line2: String?, city: String, postal_code: String, country: String
    init(_ a: PostalAddress) {
        label = a.label
        line1 = a.line1
        line2 = a.line2
        city = a.city
        postal_code = a.postalCode
        country = a.country
    }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(label, forKey: .label)
        try c.encode(line1, forKey: .line1)
        try c.encode(line2, forKey: .line2)
        try c.encode(city, forKey: .city)
        try c.encode(postal_code, forKey: .postal_code)
        try c.encode(country, forKey: .country)
    }
    enum Key: String, CodingKey { case label, line1, line2, city, postal_code, country }
}

struct CardJSON: Encodable {
    let brand: String, card_number = "collected", last4: String, expiry: String
    init(_ p: PaymentMethodSummary) {
        brand = p.brand
        last4 = p.last4
        expiry = p.expiry
    }
}

struct OrderJSON: Encodable {
    let id: Int64, placed_at: String, total_cents: Int64, currency: String, status: String, items: String,
        shipping_address: String?
    /// The same object `JSONEncoder` with sorted keys would write, built directly: exports write one per order.
    var json: String {
        "{\"currency\":\(JSON.quote(currency)),\"id\":\(id),\"items\":\(JSON.quote(items)),\"placed_at\":\(JSON.quote(placed_at)),"
            + "\"shipping_address\":\(shipping_address.map(JSON.quote) ?? "null"),\"status\":\(JSON.quote(status)),"
            + "\"total_cents\":\(total_cents)}"
    }

    init(_ o: Order) {
        // Orders read back from the store always carry their id.
        id = o.id ?? 0
        placed_at = ISO.format(o.placedAt)
        total_cents = o.totalCents
        currency = o.currency
        status = o.status
        items = o.items
        shipping_address = o.shippingAddress
    }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(id, forKey: .id)
        try c.encode(placed_at, forKey: .placed_at)
        try c.encode(total_cents, forKey: .total_cents)
        try c.encode(currency, forKey: .currency)
        try c.encode(status, forKey: .status)
        try c.encode(items, forKey: .items)
        try c.encode(shipping_address, forKey: .shipping_address)
    }
    enum Key: String, CodingKey { case id, placed_at, total_cents, currency, status, items, shipping_address }
}

struct ConsentJSON: Encodable {
    let purpose: String, granted: Bool, source: String, source_detail: String?, notice_version: String, at: String
    init(_ c: ConsentRecord) {
        purpose = c.purpose
        granted = c.granted
        source = c.source
        source_detail = c.sourceDetail
        notice_version = c.noticeVersion
        at = ISO.format(c.at)
    }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(purpose, forKey: .purpose)
        try c.encode(granted, forKey: .granted)
        try c.encode(source, forKey: .source)
        try c.encode(source_detail, forKey: .source_detail)
        try c.encode(notice_version, forKey: .notice_version)
        try c.encode(at, forKey: .at)
    }
    enum Key: String, CodingKey { case purpose, granted, source, source_detail, notice_version, at }
}

struct SupportJSON: Encodable { let at: String, channel: String, transcript: String }

struct SecurityJSON: Encodable {
    let at: String, kind: String, ip_address: String?, user_agent: String?
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(at, forKey: .at)
        try c.encode(kind, forKey: .kind)
        try c.encode(ip_address, forKey: .ip_address)
        try c.encode(user_agent, forKey: .user_agent)
    }
    enum Key: String, CodingKey { case at, kind, ip_address, user_agent }
}

struct RequestJSON: Encodable { let id: String, kind: String, status: String, received_at: String, respond_by: String }

struct NoteJSON: Encodable {
    let at: String, changed_fields: [String], reason: String, reference: String?
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(at, forKey: .at)
        try c.encode(changed_fields, forKey: .changed_fields)
        try c.encode(reason, forKey: .reason)
        try c.encode(reference, forKey: .reference)
    }
    enum Key: String, CodingKey { case at, changed_fields, reason, reference }
}
