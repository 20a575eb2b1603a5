// A minimal go-plugin gRPC plugin: go-plugin serves the handshake, grpc.health.v1, the controller and the
// broker itself; the plugin registers no service of its own. Hotplug's process-runtime tests start it.
package main

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
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
	}

	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  1,
			MagicCookieKey:   "HOTPLUG_TEST_PLUGIN",
			MagicCookieValue: "d3c4f1a0",
		},
		Plugins: map[string]plugin.Plugin{"minimal": &minimal{}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			if mode == "crash-after-start" {
				opts = append(opts, grpc.ChainUnaryInterceptor(crashOnceStarted()))
			}
			return plugin.DefaultGRPCServer(opts)
		},
	})
}

// crashOnceStarted serves, then dies as a crashing plugin would, at a moment that does not race the start: once it
// has answered the health checks the host makes on each of its two connections before it hands the process out.
// The host must notice the exit and restart it.
func crashOnceStarted() grpc.UnaryServerInterceptor {
	var checks int32
	return func(ctx context.Context, req interface{}, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (interface{}, error) {
		response, err := handler(ctx, req)
		if info.FullMethod == "/grpc.health.v1.Health/Check" && atomic.AddInt32(&checks, 1) == 2 {
			go func() {
				// Long enough for the answer to leave; the host has nothing more to wait for.
				time.Sleep(500 * time.Millisecond)
				os.Exit(2)
			}()
		}
		return response, err
	}
}
