extension StringProtocol {
    /// Whether the text holds a control character (C0, DEL or C1). Ids and personal values with one are
    /// refused wherever they enter: a NUL is cut by some readers, so what is stored or MACed would differ
    /// from what was given.
    public var containsControlCharacter: Bool {
        unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}
