import LetheCore
import Testing

@Suite("HTML text")
struct HTMLTextTests {
    @Test(
        "what HTML would read as markup is escaped, and everything else is left as it was",
        arguments: [
            ("plain text, café", "plain text, café"),
            ("<script>\"x\" & y</script>", "&lt;script&gt;&quot;x&quot; &amp; y&lt;/script&gt;"),
            ("O'Brien", "O&#39;Brien"),
            ("&amp;", "&amp;amp;"),
            ("", ""),
        ]
    )
    func escapes(text: String, escaped: String) {
        #expect(HTMLText.escape(text) == escaped)
    }
}
