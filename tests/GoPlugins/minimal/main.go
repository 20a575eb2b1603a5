// A minimal go-plugin gRPC plugin: go-plugin serves the handshake, grpc.health.v1, the controller and the
// broker itself; the plugin registers no service of its own. Hotplug's process-runtime tests start it.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

type minimal struct{ plugin.Plugin }

func (minimal) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }

func (minimal) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (interface{}, error) {
	return nil, nil
}

func main() {
	// Misbehaviours the host must report clearly, chosen by the test (or by a manifest's config, {"mode": "..."}).
	mode := os.Getenv("MINIMAL_MODE")
	if mode == "" {
		mode = os.Getenv("HOTPLUG_CONFIG_mode")
	}
	switch mode {
	case "garbage":
		fmt.Println("hello, I am not a handshake")
		time.Sleep(time.Minute)
		return
	case "slow":
		time.Sleep(time.Minute)
		return
	case "no-tls":
		// As a plugin built without AutoMTLS: it never looks at the host's certificate and serves in plaintext.
		os.Unsetenv("PLUGIN_CLIENT_CERT")
	case "crash-after-start":
		// Serves, then dies as a crashing plugin would: the host must notice and restart it.
		go func() {
			time.Sleep(300 * time.Millisecond)
			os.Exit(2)
		}()
	}

	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  1,
			MagicCookieKey:   "HOTPLUG_TEST_PLUGIN",
			MagicCookieValue: "d3c4f1a0",
		},
		Plugins:    map[string]plugin.Plugin{"minimal": &minimal{}},
		GRPCServer: plugin.DefaultGRPCServer,
	})
}
