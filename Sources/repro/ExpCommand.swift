import ArgumentParser
import Changes
import Engine
import Foundation

struct Exp: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What-if runs: the pipeline with overrides, in a workspace under .repro/exp that shares the cache.",
        subcommands: [])
}
