import ArgumentParser
import EngineCore
import StageAPI
import Foundation

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download the outputs repro.lock records from the remote cache into the project.",
        discussion: """
            Every object is checked against its SHA-256 and every run record against the stage's \
            declared outs before anything is written; each file is replaced whole (by rename). \
            Files that already match repro.lock are left alone. Exit 0 when every selected stage's \
            outputs are in place, 1 otherwise (run `repro all` to compute what the remote lacks).
            """)

    @OptionGroup var transfer: TransferOptions

    func run() throws { try transfer.run(.pull) }
}
