import ArgumentParser
import LetheCore

/// What `lethe requests submit --kind appeal` asks: the refused request appealed and the customer's
/// grounds. The engine takes the customer and the law from the request appealed.
struct AppealOptions: ParsableArguments {
    @Option(help: "For --kind appeal: the refused request appealed, e.g. R-20260903-AB12CD34.") var appealOf: String?
    @Option(help: "For --kind appeal: why the customer thinks the refusal was wrong.") var grounds: String?

    func validate() throws {
        if let appealOf, !(appealOf.hasPrefix("R-") && appealOf.count <= 40) {
            throw ValidationError("--appeal-of takes a request id, e.g. R-20260903-AB12CD34")
        }
        if grounds != nil, appealOf == nil { throw ValidationError("--grounds goes with --appeal-of") }
    }

    /// The request appealed, when one is named.
    var request: RequestID? { appealOf.map(RequestID.init) }
}
