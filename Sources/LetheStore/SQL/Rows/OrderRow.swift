import Foundation
import LetheCore

/// One `orders` row: read, or sealed from a new order; items and shipping address are ciphertext.
struct OrderRow: Sendable {
    /// The row id; nil until the row is inserted.
    var id: Int64?
    let placedAt: Double
    let total: Int64
    let currency: String
    let status: String
    let items: Data
    let shipping: Data?
    /// The row's ``RowReference``, drawn when the order is written.
    let sealRef: Data?

    init(_ row: SQLRow) {
        id = row["id"]
        placedAt = row["placed_at"]
        total = row["total_cents"]
        currency = row["currency"]
        status = row["status"]
        items = row["items"]
        shipping = row["shipping_address"]
        sealRef = row["seal_ref"]
    }

    init(sealing order: Order, with customer: FieldCodec) throws {
        let reference = try RowReference.random()
        let codec = customer.row(reference)
        sealRef = reference.data
        placedAt = order.placedAt.storeValue
        total = order.totalCents
        currency = order.currency
        status = order.status
        items = try codec.seal(order.items, EncryptedField.orderItems)
        shipping = try codec.sealOptional(order.shippingAddress, EncryptedField.orderShippingAddress)
    }

    func insert(_ db: any SQLSession, account: String) throws {
        try db.execute(
            sql: """
                INSERT INTO orders (
                    account_id, placed_at, total_cents, currency, status, items, shipping_address, seal_ref)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [account, placedAt, total, currency, status, items, shipping, sealRef]
        )
    }

    func open(_ customer: FieldCodec) throws -> Order {
        let codec = customer.row(try RowReference.stored(sealRef))
        return Order(
            id: id ?? 0,
            placedAt: Date(storeValue: placedAt),
            totalCents: total,
            currency: currency,
            status: status,
            items: try codec.open(items, EncryptedField.orderItems),
            shippingAddress: try codec.openOptional(shipping, EncryptedField.orderShippingAddress)
        )
    }
}
