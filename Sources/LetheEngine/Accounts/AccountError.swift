import LetheCore
import LetheStore

/// Why an account workflow refused. Messages name fields and ids, never personal values.
public enum AccountError: Error, Equatable, CustomStringConvertible {
    case invalid(field: String, reason: String)
    case unknownResidence(String, known: [String])
    case notFound(AccountID)
    /// A change was attempted without verified identity.
    case verificationRequired(AccountID)
    case verificationForAnotherAccount
    case noIDAvailable
    case revealNeedsReason
    case unknownField(String)
    /// Too many wrong identity checks for this account in the last hour.
    case identityChecksLocked(AccountID)
    /// Only a deactivated account can be reactivated; this one is in another state.
    case notDeactivated(AccountID, status: AccountStatus)
    /// The identity evidence given did not check out (a wrong answer, code, or date of birth and postcode).
    case identityNotVerified(AccountID)
    /// The privacy center's code was wrong, expired or used up, or the email has no account; one answer
    /// for all, so the form cannot tell who is a customer.
    case codeRefused

    public var description: String {
        switch self {
        case .invalid(let field, let reason): return "\(field): \(reason)"
        case .unknownResidence(let id, let known):
            return "unknown residence '\(id)' (a jurisdiction id: \(known.joined(separator: ", ")))"
        case .notFound(let id): return "no account \(id)"
        case .verificationRequired(let id):
            return
                "changes to \(id) need identity verification first (security questions, one-time code, or date of birth and address)"
        case .verificationForAnotherAccount: return "the identity verification was for a different account"
        case .noIDAvailable: return "could not find a free account id; the id space is nearly full"
        case .revealNeedsReason: return "revealing a full value needs a reason, which is audited"
        case .identityChecksLocked(let id):
            return
                "too many failed identity checks for \(id) in the last hour; try again later or verify by a one-time code"
        case .notDeactivated(let id, let status):
            return "\(id) is \(status.rawValue), not deactivated: only a deactivated account can be reactivated"
        case .identityNotVerified(let id):
            return "the identity evidence for \(id) did not match the record; nothing was changed"
        case .codeRefused: return "the code is wrong, expired or used up; ask for a new one"
        case .unknownField(let field):
            return "unknown field '\(field)' (email, phone, full-name, date-of-birth, address)"
        }
    }
}
