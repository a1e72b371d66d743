import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import Logging

// Signed bodies and the claims they carry.
extension DRPService {
    // MARK: Signatures and claims

    /// Decodes the body and checks the leading signature over the bytes as received (§1.3 of the
    /// reference: base64(signature ‖ message)); returns the message and the signature.
    func open(_ body: Data, agent: AuthorizedAgent) throws(DRPFailure) -> (message: Data, signature: [UInt8]) {
        guard let text = String(data: body, encoding: .utf8), let bytes = LenientBase64.decode(text) else {
            throw .badBase64
        }
        guard bytes.count >= 66 else { throw .badSignature }
        let signature = Array(bytes[0..<64])
        let message = bytes[64...]
        guard let key = try? Ed25519PublicKey(encoded: agent.verifyKey),
            key.isValidSignature(signature, for: message)
        else { throw .badSignature }
        return (Data(message), signature)
    }

    /// Steps 3 to 6 of §3.07; returns the message's expiry, until which its signature is remembered.
    func checkClaims(
        agentID: String,
        businessID: String,
        issuedAt: String,
        expiresAt: String,
        agent: AuthorizedAgent
    ) throws(DRPFailure) -> Date {
        guard agentID == agent.id else { throw .wrongAgent }
        guard businessID == business.id else { throw .wrongBusiness }
        guard let issued = DRPTime.parse(issuedAt) else {
            throw DRPFailure(400, "issued-at is not an ISO 8601 time", fatal: true)
        }
        guard let expires = DRPTime.parse(expiresAt) else {
            throw DRPFailure(400, "expires-at is not an ISO 8601 time", fatal: true)
        }
        guard issued <= now.addingTimeInterval(TimeInterval(business.clockSkewSeconds)) else { throw .notYetValid }
        guard now < expires else { throw .expired }
        return expires
    }
}
