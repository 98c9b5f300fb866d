//! `faceattend operator`: the console's operator accounts from the command line, for the
//! first admin and for an admin who cannot sign in any more.
//!
//! It works on the console's database (`DATABASE_URL`, migrated if needed). A password is
//! read from a prompt that does not echo it, or from standard input when that is not a
//! terminal (`printf '%s\n' "$PASSWORD" | faceattend operator create ...`), never from an
//! argument, where other users of the machine and the shell's history would see it.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use clap::Subcommand;
use console::accounts::{self, OperatorInput};
use console::error::ConsoleError;
use console::operators::{OperatorEmail, Role};
use console::password::PasswordHasher;
use console::store::{Audit, AuditEvent, ConsoleStore};

#[derive(Subcommand)]
pub enum OperatorCommand {
    /// Creates an operator; the password is prompted for (or read from standard input).
    Create {
        #[arg(long)]
        email: String,
        /// admin, hr, reception or viewer.
        #[arg(long)]
        role: String,
        /// The name the console shows; the email's local part when left out.
        #[arg(long)]
        name: Option<String>,
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
    /// Sets an operator's password (prompted for, or read from standard input) and ends
    /// every session of theirs.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
    /// When the console has no operator at all, creates an admin with a random password and
    /// prints the password, once; otherwise changes nothing and prints nothing. `make run`
    /// uses it.
    Bootstrap {
        #[arg(long, default_value = "admin@localhost")]
        email: String,
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
}

pub fn run(command: OperatorCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let hasher = PasswordHasher::new()?;
        match command {
            OperatorCommand::Create {
                email,
                role,
                name,
                database_url,
            } => {
                let role = Role::parse(&role)
                    .map_err(|issue| anyhow::anyhow!("--role {role:?} {}", issue.message))?;
                let store = open(&database_url).await?;
                let password = read_password("Password for the new operator: ", true)?;
                let name = name
                    .unwrap_or_else(|| email.split('@').next().unwrap_or(&email).trim().to_owned());
                let operator = accounts::create_operator(
                    &store,
                    &hasher,
                    OperatorInput {
                        email: &email,
                        display_name: &name,
                        role,
                        password: &password,
                    },
                    None,
                    format!("by faceattend operator create ({})", invoker()),
                )
                .await
                .map_err(explain)?;
                println!(
                    "created operator {} ({}, role {})",
                    operator.email, operator.id, operator.role
                );
            }
            OperatorCommand::ResetPassword {
                email,
                database_url,
            } => {
                let email = OperatorEmail::parse(&email)
                    .map_err(|issue| anyhow::anyhow!("--email {}", issue.message))?;
                let store = open(&database_url).await?;
                let Some((operator, _)) = store.operator_for_sign_in(&email).await? else {
                    bail!("no operator has the email {email}");
                };
                let password = read_password(&format!("New password for {email}: "), true)?;
                accounts::set_password(
                    &store,
                    &hasher,
                    &operator,
                    &password,
                    None,
                    Audit::new(AuditEvent::PasswordReset).detail(format!(
                        "by faceattend operator reset-password ({})",
                        invoker()
                    )),
                )
                .await
                .map_err(explain)?;
                println!("password set for {email}; their sessions have ended");
            }
            OperatorCommand::Bootstrap {
                email,
                database_url,
            } => {
                let store = open(&database_url).await?;
                if let Some((operator, password)) =
                    accounts::bootstrap_admin(&store, &hasher, &email)
                        .await
                        .map_err(explain)?
                {
                    println!("{} {password}", operator.email);
                }
            }
        }
        Ok(())
    })
}

async fn open(database_url: &str) -> anyhow::Result<ConsoleStore> {
    ConsoleStore::open(database_url, 2, true)
        .await
        .context("cannot open the console's database (DATABASE_URL)")
}

/// A password from a silent prompt, or the first line of standard input when it is not a
/// terminal; typed twice at a prompt when `confirm`.
fn read_password(prompt: &str, confirm: bool) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let password = rpassword::prompt_password(prompt).context("cannot read the password")?;
        if confirm {
            let again =
                rpassword::prompt_password("Again: ").context("cannot read the password")?;
            if again != password {
                bail!("the two passwords differ");
            }
        }
        Ok(password)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// Who ran the command, for the audit log.
fn invoker() -> String {
    std::env::var("USER").unwrap_or_else(|_| "unknown user".to_owned())
}

/// A validation failure as the lines a person can act on.
fn explain(error: ConsoleError) -> anyhow::Error {
    match error {
        ConsoleError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::Error::new(other),
    }
}
