/// Text placed into HTML built outside a template engine: the export's summary page and the server's
/// hand-built fragments.
public enum HTMLText {
    /// `text` with the five HTML-significant characters escaped (`&`, `<`, `>`, `"` and `'`), so that it
    /// reads as text in an element or in a quoted attribute.
    ///
    /// ```swift
    /// HTMLText.escape("<b>Tea & cake</b>")  // "&lt;b&gt;Tea &amp; cake&lt;/b&gt;"
    /// ```
    public static func escape(_ text: String) -> String {
        // Most cells of an export hold none of them: hand those back untouched.
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 })
        else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
