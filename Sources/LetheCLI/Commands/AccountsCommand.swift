import ArgumentParser
import Foundation
import LetheCore
import LetheCrypto
import LetheEngine

/// `lethe accounts`: the company's account procedures from the command line.
struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Create, view (masked), change (after identity verification) and review customer accounts.",
        subcommands: [Create.self, Show.self, Update.self, Notes.self, Escalations.self]
    )

    /// An account id from the command line (`TR-` and five digits); anything else is bad input (exit 2).
    static func parseID(_ text: String) throws -> AccountID {
        do { return try AccountID(text) } catch { throw CLIError.badInput(error.description) }
    }

    /// The staff id recorded as the actor: `--agent`, else `$LETHE_AGENT`, else `cli:<login name>`.
    static func agent(_ explicit: String?) -> String {
        explicit ?? ProcessInfo.processInfo.environment["LETHE_AGENT"]
            ?? "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "operator")"
    }

    /// `label;line1;line2;city;postcode;country` (line2 may be empty).
    static func parseAddress(_ text: String) throws -> PostalAddress {
        let parts = text.split(separator: ";", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard parts.count == 6, !parts[1].isEmpty, !parts[3].isEmpty, !parts[4].isEmpty, parts[5].count == 2 else {
            throw CLIError.badInput("--address must be 'label;line1;line2;city;postcode;CC' (line2 may be empty)")
        }
        return PostalAddress(
            label: parts[0].isEmpty ? "home" : parts[0],
            line1: parts[1],
            line2: parts[2].isEmpty ? nil : parts[2],
            city: parts[3],
            postalCode: parts[4],
            country: parts[5].uppercased()
        )
    }

    /// Runs an account procedure, turning the engine's `AccountError` and `StoreError` refusals into
    /// one-line bad-input errors (exit 2).
    static func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AccountError {
            throw CLIError.badInput(error.description)
        } catch let error as StoreError {
            throw CLIError.badInput(error.description)
        }
    }

    /// `lethe accounts create`: opens an account the way staff would, encrypted under its own new key;
    /// the password, if any, comes from standard input so it never appears in the shell history.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open an account; prints its new id.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Full name.") var name: String
        @Option(help: "Email address.") var email: String
        @Option(help: "Phone in international form, e.g. +44 20 7946 0958.") var phone: String?
        @Option(help: "Date of birth, YYYY-MM-DD.") var dateOfBirth: String?
        @Option(help: "Jurisdiction id of residence, e.g. uk-gdpr, us-ca.") var residence: String
        @Option(help: "Address as 'label;line1;line2;city;postcode;CC' (repeatable).") var address: [String] = []
        @Option(help: "Answer to the security question.") var securityAnswer: String?
        @Option(help: "Promotional code.") var promoCode: String?
        @Flag(help: "Read the preferred password from standard input (never from an argument).") var passwordStdin =
            false
        @Option(help: "Staff id of the agent (default: $LETHE_AGENT).") var agent: String?

        /// Opens the account, recorded under the agent's staff id, and prints its new id.
        func run() async throws {
            let runtime = try await self.runtime.open()
            var password: String?
            if passwordStdin { password = readLine(strippingNewline: true) }
            var dob: LocalDate?
            if let dateOfBirth {
                guard let parsed = LocalDate(dateOfBirth) else {
                    throw CLIError.badInput("--date-of-birth '\(dateOfBirth)' is not YYYY-MM-DD")
                }
                dob = parsed
            }
            let application = AccountApplication(
                fullName: name,
                email: email,
                phone: phone,
                dateOfBirth: dob,
                residence: residence,
                addresses: try address.map(AccountsCommand.parseAddress),
                password: password,
                securityAnswer: securityAnswer,
                promoCode: promoCode
            )
            let id = try await AccountsCommand.run {
                try await runtime.accounts().create(application, by: AccountsCommand.agent(agent))
            }
            print(id)
        }
    }

    /// `lethe accounts show`: an account as staff see it, values masked; `--reveal` shows one field in full,
    /// with the reason recorded in the audit trail.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an account with masked values; --reveal shows one field in full and audits it."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The account id, e.g. TR-04217.") var id: String
        @Option(help: "Reveal one field in full: email, phone, full-name, date-of-birth, address.") var reveal: String?
        @Option(help: "Why the value is revealed (required with --reveal; audited).") var reason: String?
        @Option(help: "Staff id of the agent (default: $LETHE_AGENT).") var agent: String?
        @Flag(help: "Print JSON.") var json = false

        /// Prints the masked view (text or `--json`), or the one revealed value.
        func run() async throws {
            let accountID = try AccountsCommand.parseID(id)
            let runtime = try await self.runtime.open()
            let service = runtime.accounts()
            if let reveal {
                let value = try await AccountsCommand.run {
                    try await service.reveal(
                        accountID,
                        field: reveal,
                        reason: reason ?? "",
                        by: AccountsCommand.agent(agent)
                    )
                }
                print(value)
                return
            }
            let view = try await AccountsCommand.run { try await service.view(accountID) }
            if json {
                print(try JSONOutput.string(view))
                return
            }
            print(
                """
                Account          \(view.id) (\(view.status))
                Name             \(view.name)
                Email            \(view.email)
                Phone            \(view.phone ?? "-")
                Residence        \(view.residence)
                Subscription     \(view.subscription ?? "-")
                Opened           \(InstantParsing.iso(view.createdAt))
                Addresses        \(view.addresses.isEmpty ? "-" : view.addresses.joined(separator: "\n                 "))
                Payment methods  \(view.paymentMethods.isEmpty ? "-" : view.paymentMethods.joined(separator: "\n                 "))
                """
            )
        }
    }

    /// `lethe accounts update`: changes an account after verifying the customer's identity; changes that
    /// cannot be verified, or that conflict, are held for a supervisor instead of applied.
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Change an account after verifying identity; unverifiable or conflicting changes go to a supervisor."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The account id.") var id: String
        @Flag(help: "Send a one-time code to the registered email, then run again with --verify-code.") var sendCode =
            false
        @Option(help: "Verify by the one-time code the customer received.") var verifyCode: String?
        @Option(help: "Verify by the customer's security answer.") var verifyAnswer: String?
        @Option(help: "Verify by date of birth (YYYY-MM-DD), with --verify-postcode.") var verifyDob: String?
        @Option(help: "Postcode of an address on file, with --verify-dob.") var verifyPostcode: String?
        @Option(help: "New full name.") var name: String?
        @Option(help: "New email.") var email: String?
        @Option(help: "New phone (international form).") var phone: String?
        @Option(help: "Add an address: 'label;line1;line2;city;postcode;CC'.") var addAddress: String?
        @Option(help: "Remove the address with this id.") var removeAddress: Int64?
        @Option(help: "Add a card: 'number;holder;MM/YYYY'.") var addCard: String?
        @Option(help: "Subscription plan ('none' to end it).") var subscription: String?
        @Flag(help: "Reactivate a deactivated account.") var reactivate = false
        @Option(help: "Why the change is made (recorded in the note).") var reason: String
        @Option(help: "Linked request or ticket.") var reference: String?
        @Option(help: "Staff id of the agent (default: $LETHE_AGENT).") var agent: String?

        /// With `--send-code`, sends a one-time code and stops; otherwise verifies by the proof given (if any),
        /// applies or escalates the changes, and says which happened.
        func run() async throws {
            let accountID = try AccountsCommand.parseID(id)
            if sendCode {
                let runtime = try await self.runtime.open()
                try await AccountsCommand.run { try await runtime.accounts().sendVerificationCode(accountID) }
                _ = try await runtime.dispatcher().dispatch()
                print("a one-time code was sent to the registered email of \(accountID)")
                return
            }
            var changes: [AccountChange] = []
            if let name { changes.append(.fullName(name)) }
            if let email { changes.append(.email(email)) }
            if let phone { changes.append(.phone(phone)) }
            if let addAddress { changes.append(.addAddress(try AccountsCommand.parseAddress(addAddress))) }
            if let removeAddress { changes.append(.removeAddress(id: removeAddress)) }
            if let addCard { changes.append(.addPaymentMethod(try Self.parseCard(addCard))) }
            if let subscription { changes.append(.subscription(subscription == "none" ? nil : subscription)) }
            if reactivate { changes.append(.status(.active)) }
            guard !changes.isEmpty else {
                throw CLIError.badInput("nothing to change: give at least one of --name, --email, …")
            }
            let who = AccountsCommand.agent(agent)
            let runtime = try await self.runtime.open()
            let service = runtime.accounts()
            let outcome = try await AccountsCommand.run { () async throws -> ModificationOutcome in
                var proof: IdentityProof?
                if let code = verifyCode {
                    proof = .code(code)
                } else if let answer = verifyAnswer {
                    proof = .securityAnswer(answer)
                } else if let dobText = verifyDob, let postcode = verifyPostcode {
                    guard let dob = LocalDate(dobText) else {
                        throw CLIError.badInput("--verify-dob must be YYYY-MM-DD")
                    }
                    proof = .dateOfBirthAndPostcode(dob, postcode: postcode)
                }
                var verification: IdentityVerification?
                if let proof { verification = try await service.verifyIdentity(accountID, proof: proof, by: who) }
                return try await service.modify(
                    accountID,
                    changes: changes,
                    verification: verification,
                    reason: reason,
                    reference: reference,
                    by: who
                )
            }
            switch outcome {
            case .applied:
                print(
                    "changed \(changes.map(\.fieldName).joined(separator: ", ")) on \(accountID); the customer is notified"
                )
            case .escalated(let escalation, let why): print("held for a supervisor (escalation \(escalation)): \(why)")
            }
        }

        /// A card from `number;holder;MM/YYYY`; a malformed or invalid card number is bad input (exit 2).
        static func parseCard(_ text: String) throws -> NewPaymentMethod {
            let parts = text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            let expiry = parts.count == 3 ? parts[2].split(separator: "/") : []
            guard parts.count == 3, expiry.count == 2, let month = Int(expiry[0]), let year = Int(expiry[1]) else {
                throw CLIError.badInput("--add-card must be 'number;holder;MM/YYYY'")
            }
            do {
                return NewPaymentMethod(
                    card: try PaymentCardNumber(parts[0]),
                    cardholderName: parts[1],
                    expiry: try CardExpiry(month: month, year: year)
                )
            } catch {
                throw CLIError.badInput("--add-card: \(error)")
            }
        }
    }

    /// `lethe accounts notes`: the record notes left by every account change (who, what fields, why, how
    /// the customer was verified), for a supervisor's review.
    struct Notes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record notes for supervisor review, newest first.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Only this account.") var account: String?
        @Option(help: "Only this agent.") var author: String?
        @Option(help: "From this date (YYYY-MM-DD, inclusive).") var from: String?
        @Option(help: "Before this date (YYYY-MM-DD, exclusive).") var to: String?
        @Option(help: "At most this many.") var limit: Int = 100

        /// Prints matching notes, newest first, one per line.
        func run() async throws {
            let utc = TimeZone(identifier: "UTC") ?? .current
            let query = RecordNoteQuery(
                accountID: try account.map(AccountsCommand.parseID),
                author: author,
                from: try from.map { try InstantParsing.instant($0, option: "--from", zone: utc) }.map {
                    Self.startOfDay($0)
                },
                to: try to.map { try InstantParsing.instant($0, option: "--to", zone: utc) }.map {
                    Self.startOfDay($0)
                },
                limit: limit
            )
            let notes = try await self.runtime.open().accounts().notes(query)
            for note in notes {
                let verified = note.verification.map { " verified by \($0.verifiedBy) via \($0.method.rawValue)" } ?? ""
                print(
                    "\(InstantParsing.iso(note.at))  \(note.accountID)  \(note.author)  [\(note.changedFields.joined(separator: ","))]"
                        + "\(verified)  \(note.reference ?? "")  \(note.reason)"
                )
            }
            if notes.isEmpty { print("no record notes match") }
        }

        /// Midnight UTC of the day `instant` falls on, so `--from` and `--to` cover whole days.
        static func startOfDay(_ instant: Date) -> Date {
            Date(timeIntervalSince1970: (instant.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        }
    }

    /// `lethe accounts escalations`: the changes waiting for a supervisor's decision.
    struct Escalations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The supervisor queue of held changes.")
        @OptionGroup var runtime: RuntimeOptions

        /// Prints each open escalation with the fields it would change and why it was held.
        func run() async throws {
            let queue = try await self.runtime.open().oversight.openEscalations()
            for item in queue {
                print(
                    "#\(item.id)  \(InstantParsing.iso(item.at))  \(item.accountID)  by \(item.requestedBy)  "
                        + "[\(item.changedFields.joined(separator: ","))]  \(item.reason)"
                )
            }
            if queue.isEmpty { print("no open escalations") }
        }
    }
}
