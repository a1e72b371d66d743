import Foundation
import LetheCore

/// One `addresses` row: read from the database, or sealed from a postal address; street, city and
/// postcode are ciphertext under the customer's key, label and country are not.
struct AddressRow: Sendable {
    /// The row id; nil until the row is inserted.
    var id: Int64?
    let label: String
    let line1: Data
    let line2: Data?
    let city: Data
    let postalCode: Data
    let country: String
    /// The row's ``RowReference``, drawn anew whenever the address is written (added or replaced).
    let sealRef: Data?

    init(_ row: SQLRow) {
        id = row["id"]
        label = row["label"]
        line1 = row["line1"]
        line2 = row["line2"]
        city = row["city"]
        postalCode = row["postal_code"]
        country = row["country"]
        sealRef = row["seal_ref"]
    }

    init(sealing address: PostalAddress, with customer: FieldCodec) throws {
        let reference = try RowReference.random()
        let codec = customer.row(reference)
        sealRef = reference.data
        label = address.label
        line1 = try codec.seal(address.line1, EncryptedField.line1)
        line2 = try codec.sealOptional(address.line2, EncryptedField.line2)
        city = try codec.seal(address.city, EncryptedField.city)
        postalCode = try codec.seal(address.postalCode, EncryptedField.postalCode)
        country = address.country
    }

    func insert(_ db: any SQLSession, account: String) throws {
        try db.execute(
            sql: """
                INSERT INTO addresses (account_id, label, line1, line2, city, postal_code, country, seal_ref)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [account, label, line1, line2, city, postalCode, country, sealRef]
        )
    }

    func open(_ customer: FieldCodec) throws -> StoredAddress {
        let codec = customer.row(try RowReference.stored(sealRef))
        return StoredAddress(
            id: id ?? 0,
            address: PostalAddress(
                label: label,
                line1: try codec.open(line1, EncryptedField.line1),
                line2: try codec.openOptional(line2, EncryptedField.line2),
                city: try codec.open(city, EncryptedField.city),
                postalCode: try codec.open(postalCode, EncryptedField.postalCode),
                country: country
            )
        )
    }
}
