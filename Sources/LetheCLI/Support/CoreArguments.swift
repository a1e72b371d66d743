import ArgumentParser
import LetheCore

// Lethe's own vocabularies as command-line values. ArgumentParser reads them, lists the allowed values in
// `--help` and in its one-line refusal (exit 2), and each command receives the typed value, so no command
// parses a kind, a status or a category by hand.
extension RequestKind: ExpressibleByArgument {}
extension DeadlineKind: ExpressibleByArgument {}
extension RequestChannel: ExpressibleByArgument {}
extension RequestStatus: ExpressibleByArgument {}
extension DenialReason: ExpressibleByArgument {}
extension PauseReason: ExpressibleByArgument {}
extension RecipientStatus: ExpressibleByArgument {}
extension DataCategory: ExpressibleByArgument {}
extension StaffRole: ExpressibleByArgument {}
extension AgentClaim: ExpressibleByArgument {}
