import Foundation
import LetheCore
import LetheEngine

extension APIHandler {
    /// A token as the API shows it: id, name, role and dates, never the secret or its hash.
    static func token(_ token: APITokenRecord) -> Components.Schemas.APIToken {
        .init(
            id: token.id,
            name: token.name,
            role: .init(rawValue: token.role.rawValue) ?? .auditor,
            createdAt: token.createdAt,
            createdBy: token.createdBy,
            revokedAt: token.revokedAt
        )
    }

    /// `GET /api/v1/tokens` (needs `manage-access`): every API token, live or revoked.
    func listTokens(_ input: Operations.ListTokens.Input) async throws -> Operations.ListTokens.Output {
        _ = try Caller.require(.manageAccess)
        return .ok(.init(body: .json(.init(tokens: try await runtime.administration.apiTokens().map(Self.token)))))
    }

    /// `POST /api/v1/tokens` (needs `manage-access`): issues a token; the secret is in this answer only.
    func createToken(_ input: Operations.CreateToken.Input) async throws -> Operations.CreateToken.Output {
        let caller = try Caller.require(.manageAccess)
        guard case .json(let body) = input.body, let role = StaffRole(rawValue: body.role.rawValue) else {
            throw Problem.badRequest("send name and role")
        }
        let (record, secret) = try await access.issueToken(name: body.name, role: role, by: caller.actorName)
        return .created(.init(body: .json(.init(token: Self.token(record), secret: secret))))
    }

    /// `DELETE /api/v1/tokens/{token}` (needs `manage-access`): revokes a token at once; 404 when none is live.
    func revokeToken(_ input: Operations.RevokeToken.Input) async throws -> Operations.RevokeToken.Output {
        let caller = try Caller.require(.manageAccess)
        try await access.revokeToken(input.path.token, by: caller.actorName)
        return .noContent(.init())
    }

    /// `GET /api/v1/staff` (needs `manage-access`): staff users, their roles and whether they are disabled.
    func listStaff(_ input: Operations.ListStaff.Input) async throws -> Operations.ListStaff.Output {
        _ = try Caller.require(.manageAccess)
        let staff = try await runtime.administration.staffUsers()
        return .ok(
            .init(
                body: .json(
                    .init(
                        staff: staff.map {
                            .init(
                                username: $0.username,
                                role: .init(rawValue: $0.role.rawValue) ?? .auditor,
                                createdAt: $0.createdAt,
                                disabled: $0.disabledAt != nil
                            )
                        }
                    )
                )
            )
        )
    }

    /// `POST /api/v1/staff` (needs `manage-access`): adds a staff user; the password (12 to 200 characters)
    /// is stored only as a scrypt hash.
    func createStaff(_ input: Operations.CreateStaff.Input) async throws -> Operations.CreateStaff.Output {
        let caller = try Caller.require(.manageAccess)
        guard case .json(let body) = input.body, let role = StaffRole(rawValue: body.role.rawValue) else {
            throw Problem.badRequest("send username, role and password")
        }
        guard body.password.count <= 200 else { throw Problem.badRequest("a password is at most 200 characters") }
        let user = try await access.addStaff(
            username: body.username,
            role: role,
            password: body.password,
            by: caller.actorName
        )
        return .created(
            .init(
                body: .json(
                    .init(
                        username: user.username,
                        role: .init(rawValue: user.role.rawValue) ?? .auditor,
                        createdAt: user.createdAt,
                        disabled: false
                    )
                )
            )
        )
    }
}
