// The benchmark plugin: go-plugin serving the Echo service. The same binary is measured under a go-plugin Go
// host and under a Hotplug host.
package main

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"hotplug/echopb"
)

type server struct{}

func (server) Echo(_ context.Context, p *echopb.Payload) (*echopb.Payload, error) { return p, nil }

type echoPlugin struct{ plugin.Plugin }

func (echoPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	echopb.RegisterEchoServer(s, server{})
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
