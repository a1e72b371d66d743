/// Big-endian, length-prefixed encoding for headers and associated data.
///
/// Length prefixes make the encoding injective: ("ab", "c") and ("a", "bc") never produce the same bytes.
extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// `u32_be(len) ‖ utf8`.
    mutating func appendLengthPrefixed(_ text: String) {
        // Straight from the string's UTF-8 view: no temporary array on the sealing hot path.
        appendBigEndian(UInt32(text.utf8.count))
        append(contentsOf: text.utf8)
    }
}

extension UnsafeRawBufferPointer {
    func bigEndianUInt32(at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(self[offset + $1]) }
    }

    func bigEndianUInt16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }
}
