// Command marquee runs the Marquee platform: every service in one process on
// embedded defaults, or some of them, scaled out (see docs/ARCHITECTURE.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/marquee-dev/marquee/internal/app"
	"github.com/marquee-dev/marquee/internal/identity"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/obs"
)

const usage = `marquee — a self-hostable movie-streaming platform

Usage:
  marquee serve [--services a,b] [--demo]   run the platform (all services by default)
  marquee seed --demo                        import the demo catalog (idempotent)
  marquee seed --synthetic MOVIES,REVIEWS    add generated movies and reviews (load tests)
  marquee rebuild browse                     replay the event streams into a fresh read model
  marquee migrate [--services a,b]           apply database migrations and exit
  marquee admin create --email E --password P [--name N]
                                             create an administrator, or promote an
                                             existing account (idempotent)
  marquee version

Configuration comes from MARQUEE_* environment variables; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "marquee:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, args := args[0], args[1:]
	if cmd == "admin" {
		if len(args) == 0 || args[0] != "create" {
			return errors.New("usage: marquee admin create --email E --password P [--name N]")
		}
		cmd, args = "admin create", args[1:]
	}
	fs := flag.NewFlagSet("marquee "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	services := fs.String("services", "", "comma-separated services to run in this process (default: all)")
	demoFlag := fs.Bool("demo", false, "load the demo catalog (idempotent)")
	synthetic := fs.String("synthetic", "", "seed: MOVIES,REVIEWS to generate (e.g. 100000,1000000)")
	email := fs.String("email", "", "admin create: the administrator's e-mail address")
	password := fs.String("password", "", "admin create: the password (at least 10 characters)")
	name := fs.String("name", "Administrator", "admin create: the display name")
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, app.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "rebuild":
		if len(args) != 1 || args[0] != "browse" {
			return errors.New("usage: marquee rebuild browse")
		}
		args = nil
	case "serve", "seed", "migrate", "admin create":
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv, app.Services)
	if err != nil {
		return err
	}
	if *services != "" {
		if cfg.Services, err = config.ParseServices(*services, app.Services); err != nil {
			return fmt.Errorf("--services: %w", err)
		}
	}
	logOut := obs.NewBufferedWriter(stdout, 200*time.Millisecond)
	defer logOut.Close()
	log := obs.NewLogger(logOut, cfg.LogLevel)
	slog.SetDefault(log)

	switch cmd {
	case "migrate":
		return app.Migrate(ctx, cfg, log)
	case "admin create":
		if *email == "" || *password == "" {
			return errors.New("admin create: --email and --password are required")
		}
		cfg.Services = []string{"identity"}
		a, err := app.New(ctx, cfg, log, app.Offline)
		if err != nil {
			return err
		}
		defer a.Close()
		id, _ := app.Lookup[*identity.Service](a)
		created, err := id.CreateAdmin(ctx, *email, *password, *name)
		if err != nil {
			return fmt.Errorf("admin create: %w", err)
		}
		if created {
			fmt.Fprintf(stdout, "administrator %s created\n", *email)
		} else {
			fmt.Fprintf(stdout, "%s is an administrator\n", *email)
		}
		return nil
	case "seed":
		var movies, reviews int
		if *synthetic != "" {
			if _, err := fmt.Sscanf(*synthetic, "%d,%d", &movies, &reviews); err != nil || movies < 0 || reviews < 0 {
				return fmt.Errorf("seed --synthetic %q: want MOVIES,REVIEWS such as 100000,1000000", *synthetic)
			}
		}
		if !*demoFlag && *synthetic == "" {
			return errors.New("seed: say what to seed: --demo and/or --synthetic MOVIES,REVIEWS")
		}
		a, err := app.New(ctx, cfg, log, app.Offline)
		if err != nil {
			return err
		}
		defer a.Close()
		if *demoFlag {
			if err := a.SeedDemo(ctx); err != nil {
				return err
			}
		}
		if *synthetic != "" {
			return a.SeedSynthetic(ctx, movies, reviews)
		}
		return nil
	case "rebuild":
		// Reads the streams, so it needs the bus: with the embedded NATS, stop
		// `marquee serve` first (they cannot share the store); with
		// MARQUEE_NATS_URL it can run beside the serving processes.
		cfg.Services = []string{"browse"}
		a, err := app.New(ctx, cfg, log, app.Serving)
		if err != nil {
			return err
		}
		defer a.Close()
		return a.RebuildBrowse(ctx)
	default: // serve
		a, err := app.New(ctx, cfg, log, app.Serving)
		if err != nil {
			return err
		}
		defer a.Close()
		if *demoFlag {
			if err := a.SeedDemo(ctx); err != nil {
				return err
			}
		}
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
		}
		return a.Run(ctx, ln)
	}
}
