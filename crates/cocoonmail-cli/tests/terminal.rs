//! The progress bar, seen in a real terminal: the import runs inside tmux and the test reads
//! the screen. Needs tmux: installed from the system's packages when missing and the process
//! may; otherwise this test fails and says how to install it.

mod common;

#[path = "../../cocoon-limiter-redis/tests/common/system_package.rs"]
mod system_package;

use std::process::Command;

use common::{events_csv, wait_until, Env, BIN};

/// A tmux server of this test's own, killed when the test ends, pass or fail.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(command: &str) -> Tmux {
        if let Err(missing) = system_package::ensure("tmux", "tmux") {
            panic!("{missing}");
        }
        let tmux = Tmux {
            socket: format!("cocoonmail-cli-test-{}", std::process::id()),
        };
        let started = tmux
            .command()
            .args([
                "new-session",
                "-d",
                "-s",
                "cli",
                "-x",
                "120",
                "-y",
                "20",
                command,
            ])
            .status()
            .expect("tmux runs");
        assert!(started.success(), "tmux new-session failed");
        tmux
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket, "-f", "/dev/null"]);
        cmd
    }

    fn screen(&self) -> String {
        let out = self
            .command()
            .args(["capture-pane", "-p", "-t", "cli"])
            .output()
            .expect("tmux capture-pane runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

/// Quotes `s` for `sh`.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]
fn the_progress_bar_shows_count_rate_eta_and_429s_in_a_terminal() {
    let env = Env::new();
    env.file("events.csv", &events_csv(20));
    env.file("key.txt", cocoon_mock::DEFAULT_API_KEY);
    // Five rows a second: the bar is on screen for about four seconds.
    let command = format!(
        "cd {dir} && env -u COCOONMAIL_API_KEY COCOONMAIL_BASE_URL={url} {bin} \
         --api-key-file key.txt --rate 5 import events events.csv; echo EXIT=$?; sleep 60",
        dir = quoted(&env.dir.path().display().to_string()),
        url = quoted(&env.server.base_url()),
        bin = quoted(BIN),
    );
    let tmux = Tmux::start(&command);

    let mut bar = String::new();
    wait_until("the progress bar", || {
        let screen = tmux.screen();
        if let Some(line) = screen
            .lines()
            .find(|l| l.contains("/20 rows") && l.contains("ETA") && l.contains("429s: 0"))
        {
            bar = line.to_owned();
            true
        } else {
            false
        }
    });
    assert!(bar.contains("/s"), "no rate in {bar:?}");
    assert!(bar.contains('['), "no elapsed time in {bar:?}");

    let mut screen = String::new();
    wait_until("the import to end", || {
        screen = tmux.screen();
        screen.contains("EXIT=")
    });
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(screen.contains("sent       20"), "{screen}");
    assert!(
        !screen.lines().any(|l| l.contains("/20 rows")),
        "the bar is cleared at the end:\n{screen}"
    );
    assert_eq!(env.server.events().len(), 20);
}
