import Foundation
import LetheCore

// The text encodings exports and retention share: ISO 8601 instants, JSON strings, CSV rows.
enum ISO {
    /// `YYYY-MM-DDTHH:MM:SSZ` in UTC, by arithmetic: a formatter per call cost more than the rest of
    /// writing an order.
    static func format(_ date: Date) -> String {
        let (day, time) = utc(date)
        return "\(day)T\(two(time / 3600)):\(two(time % 3600 / 60)):\(two(time % 60))Z"
    }

    /// The UTC date of `date` and the whole seconds since that day's midnight (floored, so instants
    /// before 1970 fall on the right day).
    static func utc(_ date: Date) -> (day: LocalDate, seconds: Int) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return (LocalDate(daysSinceEpoch: days), seconds - days * 86_400)
    }

    /// Two digits, zero-padded.
    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
}

enum JSON {
    /// A JSON string literal (RFC 8259 escapes), without an encoder. Most text needs no escape at all,
    /// so one pass over its bytes decides, and only text that needs escapes is rebuilt scalar by scalar.
    static func quote(_ text: String) -> String {
        let plain = !text.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        if plain { return "\"" + text + "\"" }
        var out = "\""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func string(_ text: String) -> String {
        (try? encode(text)) ?? "\"\""
    }
}

enum CSV {
    /// RFC 4180: quote every field, double embedded quotes, CRLF line ends. Built into one string sized
    /// up front: an export writes one row per order, and bridging each field to `NSString` to replace
    /// quotes cost more than the rest of the row.
    static func row(_ fields: [String]) -> String {
        var out = ""
        out.reserveCapacity(fields.reduce(2) { $0 + $1.utf8.count + 3 })
        for (index, field) in fields.enumerated() {
            out += index == 0 ? "\"" : ",\""
            if field.utf8.contains(UInt8(ascii: "\"")) {
                for scalar in field.unicodeScalars {
                    out.unicodeScalars.append(scalar)
                    if scalar == "\"" { out += "\"" }
                }
            } else {
                out += field
            }
            out += "\""
        }
        return out + "\r\n"
    }
}
