import AugurCore
import Foundation
import Logging
import Yams

struct AugurConfigResolved {
    let config: AugurConfig
    let logLevel: Logger.Level

    func logger(_ label: String = "augur") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}

enum ProcessEnvironment {
    static func get(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// Reads the YAML file and applies `AUGUR_*` environment variables on top of it.
enum ConfigLoader {
    static func load(file: String?) throws(ConfigError) -> AugurConfig {
        var config = AugurConfig()
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ConfigError("cannot read configuration file \(file)") }
            do {
                config = try YAMLDecoder().decode(AugurConfig.self, from: text.isEmpty ? "{}" : text)
            } catch {
                throw ConfigError("configuration file \(file): \(describe(error))")
            }
        }
        let env = ProcessEnvironment.get
        if let v = env("AUGUR_LISTEN") { config.server.listen = v }
        if let v = env("AUGUR_DB") { config.storage.path = v }
        if let v = env("AUGUR_READ_TOKEN") { config.server.readToken = v }
        if let v = env("AUGUR_WRITE_TOKEN") { config.server.writeToken = v }
        if let v = env("AUGUR_RETENTION") { config.storage.retention = try ConfigDuration(parsing: v) }
        if let v = env("AUGUR_MAX_BODY_BYTES") {
            guard let n = Int(v) else { throw ConfigError("AUGUR_MAX_BODY_BYTES must be a whole number of bytes") }
            config.server.maxBodyBytes = n
        }
        return config
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c), DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "\(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        case DecodingError.keyNotFound(let key, let c):
            return "\((c.codingPath + [key]).map(\.stringValue).joined(separator: ".")) is required"
        default:
            return "\(error)"
        }
    }
}
