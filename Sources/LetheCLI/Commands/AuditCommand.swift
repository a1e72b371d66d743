import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe audit`: the tamper-evident audit trail.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify and read the audit trail.",
        subcommands: [Verify.self, Show.self]
    )

    /// `lethe audit verify`: proves that no audit entry was edited, deleted, reordered or cut off, for an
    /// auditor or a scheduled check.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every entry's MAC and link; exit 1 naming the first broken entry."
        )
        @OptionGroup var runtime: RuntimeOptions

        /// Prints the anchored head and the entry count when the chain is intact; exits 1 naming the first
        /// broken entry, a cut, or a missing head.
        func run() async throws {
            let runtime = try await self.runtime.open()
            let state = try await runtime.evidence.verifyAuditTrail()
            let (entries, head, checkpoint): (Int, AuditHead?, AuditCheckpoint?)
            switch state {
            case .cut(let from, let to):
                throw CLIError.failed(
                    "audit chain cut: entries \(from) to \(to) are missing (the anchored head is entry \(to))"
                )
            case .headMissing:
                throw CLIError.failed("audit chain broken: its anchored head is missing (deleted or never written)")
            case .broken(let at, let count):
                throw CLIError.failed(
                    "audit chain broken at entry \(at) of \(count): it, or an entry before it, was edited, deleted or reordered"
                )
            case .intact(let count, let anchored, let from):
                (entries, head, checkpoint) = (count, anchored, from)
            }
            if let head {
                // Printed so that an outside record of it can later prove a rollback.
                print("audit head: entry \(head.seq), mac \(head.macHex)")
            }
            if let checkpoint {
                print(
                    "audit chain intact: \(entries) entries, verified from the checkpoint after entry \(checkpoint.seq) "
                        + "(\(checkpoint.purged) older entries purged under the audit-trail retention rule)"
                )
            } else {
                print("audit chain intact: \(entries) entries")
            }
        }
    }

    /// `lethe audit show`: the audit entries, all or for one request or account, with reasons decrypted
    /// where the customer's key still exists.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List audit entries, optionally for one request or account."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "A request id.") var request: String?
        @Option(help: "An account id.") var account: String?

        /// Prints one entry per line: sequence number, time, actor, action, subject, fields and reason.
        func run() async throws {
            let runtime = try await self.runtime.open()
            let (type, id): (String?, String?) =
                request.map { ("request", $0) } ?? account.map { ("account", $0) } ?? (nil, nil)
            for entry in try await runtime.evidence.auditEntries(subjectType: type, subjectID: id) {
                let event = entry.event
                let reason = try await runtime.evidence.reason(of: entry)
                print(
                    "#\(entry.seq)  \(InstantParsing.iso(event.at))  \(event.actor)  \(event.action)  \(event.subjectType) \(event.subjectID)"
                        + (event.fields.isEmpty ? "" : "  [\(event.fields.joined(separator: ","))]")
                        + (reason.map { "  \($0)" } ?? "")
                )
            }
        }
    }
}
