import ArgumentParser
import Foundation
import LetheCrypto

/// `lethe keys`: the master keyring that wraps every customer's data key.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the master keyring (key-encryption keys).",
        subcommands: [Init.self]
    )

    /// `lethe keys init`: a new keyring file, readable by its owner only.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new master keyring (one random 256-bit key, mode 0600). Refuses to overwrite."
        )

        @Option(name: .customLong("key-file"), help: "Where to write it (default: ./.lethe/master.key).")
        var keyFile: String = ".lethe/master.key"

        func run() async throws { print(try render()) }

        func render() throws(CLIError) -> String {
            guard !FileManager.default.fileExists(atPath: keyFile) else {
                throw .badInput(
                    "\(keyFile) already exists; losing a master key loses every customer's data, so it is never overwritten"
                )
            }
            let folder = URL(fileURLWithPath: keyFile).deletingLastPathComponent().path
            do {
                try FileManager.default.createDirectory(
                    atPath: folder,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
                try MasterKeyring.generate().write(to: keyFile)
            } catch let error as CryptoError {
                throw .failed(error.description)
            } catch {
                throw .failed("cannot create \(folder): \(error.localizedDescription)")
            }
            return "wrote master keyring \(keyFile) (version 1, mode 0600). Back it up somewhere safe and separate "
                + "from database backups: without it no encrypted field can be read."
        }
    }
}
