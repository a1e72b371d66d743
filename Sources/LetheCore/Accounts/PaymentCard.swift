/// Why a card number or expiry was refused. Never includes the digits.
public enum PaymentCardError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The number holds something other than digits, spaces and dashes.
    case notDigits
    /// The number has fewer than 12 or more than 19 digits (the count is given).
    case wrongLength(Int)
    /// The check digit is wrong: most likely a typing error.
    case failsLuhnCheck
    /// The month is not 1 to 12 or the year is not between 2000 and 2099.
    case invalidExpiry

    /// A message for the customer or operator that never repeats the digits.
    public var description: String {
        switch self {
        case .notDigits: return "a card number may contain only digits, spaces and dashes"
        case .wrongLength(let n): return "a card number has 12 to 19 digits, this one has \(n)"
        case .failsLuhnCheck: return "the card number fails the Luhn check (mistyped?)"
        case .invalidExpiry: return "the expiry must be a month 1-12 and a four-digit year"
        }
    }
}

/// The card network, from the number's leading digits.
public enum CardBrand: String, Sendable, Codable, CaseIterable {
    /// The networks recognised by their leading digits; `unknown` when none matches.
    case visa, mastercard, amex, discover, jcb, dinersClub = "diners-club", unionPay = "unionpay", unknown
}

/// A payment card number that shows only its brand and last four digits.
///
/// `description`, `debugDescription`, string interpolation, `dump` and reflection all print
/// `visa •••• 4242`: the full number can reach a log, an error or a test failure message only by
/// calling ``withDigits(_:)`` deliberately, which encryption does.
public struct PaymentCardNumber: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let digits: [UInt8]
    /// The card network derived from the leading digits.
    public let brand: CardBrand

    /// Accepts 12 to 19 digits, ignoring spaces and dashes, that pass the Luhn check.
    ///
    /// - Throws: ``PaymentCardError/notDigits``, ``PaymentCardError/wrongLength(_:)`` or
    ///   ``PaymentCardError/failsLuhnCheck``; none of them carries the digits.
    public init(_ text: String) throws(PaymentCardError) {
        var digits: [UInt8] = []
        for scalar in text.unicodeScalars {
            switch scalar {
            case "0"..."9": digits.append(UInt8(scalar.value - 48))
            case " ", "-": continue
            default: throw .notDigits
            }
        }
        guard (12...19).contains(digits.count) else { throw .wrongLength(digits.count) }
        guard Self.passesLuhn(digits) else { throw .failsLuhnCheck }
        self.digits = digits
        self.brand = Self.brand(of: digits)
    }

    /// The last four digits, e.g. "4242".
    public var last4: String { digits.suffix(4).map(String.init).joined() }

    /// `•••• 4242`.
    public var masked: String { "•••• \(last4)" }

    /// `visa •••• 4242`: brand and last four only, so logs and messages never carry the number.
    public var description: String { "\(brand.rawValue) \(masked)" }
    /// The same masked form as ``description``, so the debugger shows no more.
    public var debugDescription: String { description }
    /// A mirror with one masked child, so `dump` and reflection cannot reach the digits.
    public var customMirror: Mirror { Mirror(self, children: ["masked": description]) }

    /// Lends the full number as ASCII digits, for encryption only.
    ///
    /// - Throws: Whatever `body` throws.
    public func withDigits<R, E: Error>(_ body: ([UInt8]) throws(E) -> R) throws(E) -> R {
        try body(digits.map { $0 + 48 })
    }

    static func passesLuhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (index, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if index % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    static func brand(of digits: [UInt8]) -> CardBrand {
        func prefix(_ n: Int) -> Int { digits.prefix(n).reduce(0) { $0 * 10 + Int($1) } }
        switch (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6)) {
        case (4, _, _, _, _): return .visa
        case (_, 34, _, _, _), (_, 37, _, _, _): return .amex
        case (_, 51...55, _, _, _), (_, _, _, 2221...2720, _): return .mastercard
        case (_, _, _, 6011, _), (_, 65, _, _, _), (_, _, 644...649, _, _): return .discover
        case (_, _, _, 3528...3589, _): return .jcb
        case (_, 36, _, _, _), (_, 38, _, _, _), (_, _, 300...305, _, _): return .dinersClub
        case (_, 62, _, _, _): return .unionPay
        default: return .unknown
        }
    }
}

/// A card's expiry month and year.
public struct CardExpiry: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The expiry month, 1 to 12.
    public let month: Int
    /// The four-digit expiry year.
    public let year: Int

    /// An expiry from its month and four-digit year.
    ///
    /// - Throws: ``PaymentCardError/invalidExpiry`` when the month or year is out of range.
    public init(month: Int, year: Int) throws(PaymentCardError) {
        guard (1...12).contains(month), (2000...2099).contains(year) else { throw .invalidExpiry }
        self.month = month
        self.year = year
    }

    /// `MM/YYYY`.
    public var description: String { (month < 10 ? "0" : "") + "\(month)/\(year)" }

    /// Whether the card has expired by the given month (cards are valid through the end of their month).
    public func isExpired(asOf year: Int, month: Int) -> Bool { (self.year, self.month) < (year, month) }
}
