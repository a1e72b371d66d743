import Foundation
import LetheCore
import LetheEngine

extension APIHandler {
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

    func listTokens(_ input: Operations.ListTokens.Input) async throws -> Operations.ListTokens.Output {
        _ = try Caller.require(.manageAccess)
        return .ok(.init(body: .json(.init(tokens: try await runtime.administration.apiTokens().map(Self.token)))))
    }

    func createToken(_ input: Operations.CreateToken.Input) async throws -> Operations.CreateToken.Output {
        let caller = try Caller.require(.manageAccess)
        guard case .json(let body) = input.body, let role = StaffRole(rawValue: body.role.rawValue) else {
            throw Problem.badRequest("send name and role")
        }
        let (record, secret) = try await access.issueToken(name: body.name, role: role, by: caller.actorName)
        return .created(.init(body: .json(.init(token: Self.token(record), secret: secret))))
    }

    func revokeToken(_ input: Operations.RevokeToken.Input) async throws -> Operations.RevokeToken.Output {
        let caller = try Caller.require(.manageAccess)
        try await access.revokeToken(input.path.token, by: caller.actorName)
        return .noContent(.init())
    }

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
