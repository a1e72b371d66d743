import Foundation
import LetheStore
import Testing

extension SQLStore {
    /// The SQLite file, for tests that read the bytes on disk; fails the test on PostgreSQL.
    public var sqliteFile: String {
        get throws { try #require(sqlitePath, "this store is not on SQLite") }
    }

    /// Every file that holds this store's data on disk, read after the database has written it all out:
    /// the SQLite file, its WAL and shared-memory index, or the PostgreSQL database's own folder and the server's WAL. Tests
    /// scan these for plaintext that must never be stored.
    public func storedFiles() async throws -> [(name: String, bytes: Data)] {
        if let path = sqlitePath {
            return [path, path + "-wal", path + "-shm"].compactMap { file in
                (try? Data(contentsOf: URL(fileURLWithPath: file))).map { (file, $0) }
            }
        }
        let dataFolder = try #require(
            try ThrowawayPostgres.dataFolder,
            "the disk scan needs the throwaway server; LETHE_TEST_DATABASE_URL names another"
        )
        let oid = try await checkpointedPostgresDatabaseOID()
        var files: [(String, Data)] = []
        for folder in ["\(dataFolder)/base/\(try #require(oid))", "\(dataFolder)/pg_wal"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
                let path = "\(folder)/\(name)"
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
                    continue
                }
                files.append((path, try Data(contentsOf: URL(fileURLWithPath: path))))
            }
        }
        #expect(!files.isEmpty)
        return files
    }
}
