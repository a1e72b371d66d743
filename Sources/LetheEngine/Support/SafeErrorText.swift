import Foundation
import LetheCore
import LetheCrypto

/// The text of an error as it may be stored in clear (a job's or a notice's last error) or logged.
///
/// Lethe's own errors are written never to carry a personal value, so their descriptions are kept. Any
/// other error (a database driver's, a network library's) may quote what it was given, an address or a
/// name, so only its type is kept: enough to find the cause, nothing of the customer.
enum SafeErrorText {
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as JobFailure: return error.message
        case let error as RequestError: return error.description
        case let error as AccountError: return error.description
        case let error as StoreError: return error.description
        case let error as CryptoError: return error.description
        case let error as NoticeDecodingError: return error.description
        // Codes and stages only; the server's own words, which may quote an address, are never kept.
        case let error as SMTPFailure: return error.description
        case let error as URLError: return "network error \(error.code.rawValue)"
        default: return "\(String(reflecting: type(of: error))) (details withheld: they may quote personal data)"
        }
    }
}
