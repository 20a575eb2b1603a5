// The benchmark plugin: go-plugin serving the Echo service. The same binary is measured under a go-plugin Go
// host and under a Hotplug host.
package main

import (
	"context"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"hotplug/echopb"
)

type server struct{ log hclog.Logger }

// Echo answers with the payload; with ECHO_LOG_EACH_CALL set it also writes one hclog JSON line per call to standard
// error, as a real plugin that logs its requests does (its host parses and logs each).
func (s server) Echo(_ context.Context, p *echopb.Payload) (*echopb.Payload, error) {
	if s.log != nil {
		s.log.Info("echo", "bytes", len(p.Data))
	}
	return p, nil
}

type echoPlugin struct{ plugin.Plugin }

func (echoPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	var log hclog.Logger
	if os.Getenv("ECHO_LOG_EACH_CALL") != "" {
		log = hclog.New(&hclog.LoggerOptions{Name: "echo", Output: os.Stderr, JSONFormat: true, Level: hclog.Info})
	}
	echopb.RegisterEchoServer(s, server{log: log})
	return nil
}

func (echoPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return echopb.NewEchoClient(c), nil
}

func main() {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: plugin.HandshakeConfig{ProtocolVersion: 1, MagicCookieKey: "HOTPLUG_BENCH", MagicCookieValue: "echo"},
		Plugins:         map[string]plugin.Plugin{"echo": &echoPlugin{}},
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}
