using Hotplug.Process.Plugin;
using Ranker.LongTail;

// A process plugin: its own executable, started by the host and spoken to over go-plugin's gRPC protocol.
// It serves IRanker with no .proto file, and reads the host's item store through the broker.
return await GoPluginServer.RunAsync<LongTailRanker>();
