import LetheCLI

// Not main.swift: an async @main in main.swift would pick the synchronous entry point.
@main
enum Lethe {
    static func main() async {
        await LetheCommand.runMain()
    }
}
