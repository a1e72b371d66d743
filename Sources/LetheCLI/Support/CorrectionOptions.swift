import ArgumentParser
import LetheCore

extension CorrectableField: ExpressibleByArgument {}

/// What `lethe requests submit --kind correction` asks: the field, its accurate value and the customer's
/// statement. Checked here for shape; the engine checks the value itself before anything is stored.
struct CorrectionOptions: ParsableArguments {
    @Option(help: "For --kind correction: the field to correct.") var correct: CorrectableField?
    @Option(help: "The accurate value; for an address 'label;line1;line2;city;postcode;CC'.") var to: String?
    @Option(help: "For --correct address: the id of the address to correct.") var addressID: Int64?
    @Option(help: "What the customer says in support of the correction.") var statement: String?

    func validate() throws {
        guard let correct else {
            guard to == nil, addressID == nil, statement == nil else {
                throw ValidationError("--to, --address-id and --statement go with --correct")
            }
            return
        }
        guard to != nil else { throw ValidationError("--correct needs --to, the accurate value") }
        guard (correct == .address) == (addressID != nil) else {
            throw ValidationError("--address-id names the address to correct, and goes only with --correct address")
        }
    }

    /// The correction asked for, or nil when no `--correct` was given.
    ///
    /// - Throws: ``CLIError/badInput(_:)`` when an address is not in the documented form.
    func correction() throws -> Correction? {
        guard let correct, let to else { return nil }
        if let oneLine = Correction.Value(correct, text: to) { return Correction(oneLine, statement: statement) }
        guard let addressID else { return nil }
        return Correction(.address(id: addressID, try AccountsCommand.parseAddress(to)), statement: statement)
    }
}
