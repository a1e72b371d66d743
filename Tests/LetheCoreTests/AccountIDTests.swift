import LetheCore
import LetheTestSupport
import Testing

@Suite("Account ids")
struct AccountIDTests {
    @Test("TR- followed by five digits parses and prints back", arguments: ["TR-04217", "TR-00000", "TR-99999"])
    func parsesValid(text: String) throws {
        let id = try AccountID(text)
        #expect(id.description == text)
    }

    @Test(
        "Anything else is refused with a message naming the value",
        arguments: ["tr-04217", "TR-4217", "TR-042170", "TR 04217", "TR-0421A", "", "TR-", " TR-04217", "TR-０４２１７"]
    )
    func refusesInvalid(text: String) {
        #expect(throws: AccountID.ParseError(value: text)) { try AccountID(text) }
        #expect(AccountID.ParseError(value: text).description.contains("'\(text)'"))
    }

    @Test("Numbers outside five digits make no id")
    func numberRange() {
        #expect(AccountID(number: 100_000) == nil)
        #expect(AccountID(number: -1) == nil)
        #expect(AccountID(number: 4217)?.description == "TR-04217")
    }
}
