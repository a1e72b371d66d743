import Foundation
import LetheCore
import LetheCrypto

/// Checks a correction at intake, before anything is stored, and puts its value in the form the account
/// keeps (an email normalised, a phone in E.164), so that what an officer accepts is exactly what the
/// account workflow will write and the request cannot fail later for a value it took in.
enum CorrectionCheck {
    /// The longest name accepted, matching what the account forms take.
    static let maxNameLength = 200

    /// The correction as it will be applied, or the reason it is refused.
    ///
    /// - Throws: ``RequestError/invalidCorrection(_:)`` naming the field and the rule, never the value.
    static func normalised(_ correction: Correction) throws -> Correction {
        let value: Correction.Value
        switch correction.value {
        case .fullName(let name):
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.count <= maxNameLength else {
                throw RequestError.invalidCorrection("full-name must be 1 to \(maxNameLength) characters")
            }
            value = .fullName(trimmed)
        case .email(let email):
            do { value = .email(try BlindIndex.normaliseEmail(email)) } catch {
                throw RequestError.invalidCorrection("email is not a valid address")
            }
        case .phone(let phone):
            do { value = .phone(try BlindIndex.normalisePhone(phone)) } catch {
                throw RequestError.invalidCorrection("phone is not a valid international number")
            }
        case .address(let id, let address):
            guard !address.line1.isEmpty, !address.city.isEmpty, !address.postalCode.isEmpty,
                address.country.count == 2
            else {
                throw RequestError.invalidCorrection(
                    "address needs line1, city, postal-code and a two-letter country"
                )
            }
            value = .address(id: id, address)
        }
        do {
            try PersonalFieldCheck.change(Correction(value).accountChange)
            try PersonalFieldCheck.text(correction.statement, field: "statement")
        } catch let AccountError.invalid(field, reason) {
            throw RequestError.invalidCorrection("\(field) \(reason)")
        }
        if let statement = correction.statement, statement.count > Correction.maxStatementLength {
            throw RequestError.invalidCorrection(
                "statement must be at most \(Correction.maxStatementLength) characters"
            )
        }
        return Correction(value, statement: correction.statement)
    }

    /// Refuses a correction of an address the account does not hold: the request would ask an officer to
    /// accept something that cannot be applied.
    static func fits(_ correction: Correction, _ account: Account?) throws {
        guard case .address(let id, _) = correction.value else { return }
        guard let account, account.addresses.contains(where: { $0.id == id }) else {
            throw RequestError.invalidCorrection("address \(id) is not on the account")
        }
    }
}
