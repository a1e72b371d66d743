import Foundation
import LetheCore

/// One `payment_methods` row: sealed from a new card (every field ciphertext except the brand), or read
/// back for display, in which case only the brand, last four digits and expiry are read: the full number
/// and the holder's name never leave the table that way.
struct PaymentRow: Sendable {
    /// The row id; nil until the row is inserted.
    var id: Int64?
    let brand: String
    let last4: Data
    let expiry: Data
    /// The sealed full number; nil when read for display.
    let number: Data?
    /// The sealed cardholder name; nil when read for display.
    let holder: Data?
    /// The row's ``RowReference``, drawn when the card is written.
    let sealRef: Data?

    init(_ row: SQLRow) {
        id = row["id"]
        brand = row["brand"]
        last4 = row["last4"]
        expiry = row["expiry"]
        number = nil
        holder = nil
        sealRef = row["seal_ref"]
    }

    init(sealing method: NewPaymentMethod, with customer: FieldCodec) throws {
        let reference = try RowReference.random()
        let codec = customer.row(reference)
        sealRef = reference.data
        brand = method.card.brand.rawValue
        last4 = try codec.seal(method.card.last4, EncryptedField.last4)
        expiry = try codec.seal(method.expiry.description, EncryptedField.expiry)
        // The digits are exposed only inside this closure, straight into the cipher.
        number = try method.card.withDigits {
            try codec.seal(String(decoding: $0, as: UTF8.self), EncryptedField.cardNumber)
        }
        holder = try codec.seal(method.cardholderName, EncryptedField.cardholderName)
    }

    func insert(_ db: any SQLSession, account: String, at: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO payment_methods (
                    account_id, brand, last4, card_number, cardholder_name, expiry, created_at, seal_ref)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [account, brand, last4, number, holder, expiry, at.storeValue, sealRef]
        )
    }

    func open(_ customer: FieldCodec) throws -> PaymentMethodSummary {
        let codec = customer.row(try RowReference.stored(sealRef))
        return PaymentMethodSummary(
            id: id ?? 0,
            brand: brand,
            last4: try codec.open(last4, EncryptedField.last4),
            expiry: try codec.open(expiry, EncryptedField.expiry)
        )
    }
}
