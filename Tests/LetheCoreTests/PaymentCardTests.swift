import Foundation
import LetheCore
import Testing

@Suite("Payment cards")
struct PaymentCardTests {
    @Test(
        "Valid numbers pass Luhn and name their brand",
        arguments: [
            ("4242 4242 4242 4242", CardBrand.visa), ("5555-5555-5555-4444", .mastercard), ("378282246310005", .amex),
            ("6011111111111117", .discover), ("2223003122003222", .mastercard), ("3566002020360505", .jcb),
        ]
    )
    func valid(number: String, brand: CardBrand) throws {
        let card = try PaymentCardNumber(number)
        #expect(card.brand == brand)
        #expect(card.last4 == String(number.filter(\.isNumber).suffix(4)))
    }

    @Test(
        "Invalid numbers are refused without repeating the digits",
        arguments: [
            ("4242 4242 4242 4241", PaymentCardError.failsLuhnCheck), ("4242", .wrongLength(4)),
            ("4242-4242-4242-424x", .notDigits),
        ]
    )
    func invalid(number: String, error: PaymentCardError) {
        #expect(throws: error) { try PaymentCardNumber(number) }
        #expect(!error.description.contains("4242"))
    }

    @Test("The full number never appears in description, interpolation, reflection or dump")
    func neverPrinted() throws {
        let card = try PaymentCardNumber("4242424242424242")
        var dumped = ""
        dump(card, to: &dumped)
        for text in [card.description, "\(card)", String(reflecting: card), dumped, "\([card])"] {
            #expect(!text.contains("4242424242424242"), "leaked in: \(text)")
            #expect(!text.contains("424242424242"))
        }
        #expect(card.description == "visa •••• 4242")
        #expect(card.withDigits { String(decoding: $0, as: UTF8.self) } == "4242424242424242")
    }

    @Test("Expiry is validated and compared by month")
    func expiry() throws {
        let expiry = try CardExpiry(month: 3, year: 2027)
        #expect(expiry.description == "03/2027")
        #expect(!expiry.isExpired(asOf: 2027, month: 3))
        #expect(expiry.isExpired(asOf: 2027, month: 4))
        #expect(throws: PaymentCardError.invalidExpiry) { try CardExpiry(month: 13, year: 2027) }
    }
}
