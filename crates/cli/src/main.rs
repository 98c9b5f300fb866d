//! `faceattend`: the operators' command line.
//!
//! `faceattend token` mints an access token signed with the deployment's `JWT_SECRET`, so an
//! operator can call the APIs (or hand a token to an integration) without any user store.

use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use faceattend_service::auth::{ALL_PERMISSIONS, AuthConfig, JwtKeys};
use secrecy::SecretString;

#[derive(Parser)]
#[command(name = "faceattend", version, about = "faceattend administration")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Mint a bearer token. Prints only the token, so `TOKEN=$(faceattend token ...)` works.
    Token {
        /// Comma-separated permissions, e.g. persons:read,persons:write; `all` for every one.
        #[arg(long = "perm", value_delimiter = ',', required = true)]
        permissions: Vec<String>,
        /// Lifetime, e.g. 30m, 1h, 7d.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
        /// Who the token is for; shows in logs and audit trails.
        #[arg(long, default_value = "admin")]
        subject: String,
        /// The signing secret (at least 32 bytes); the same as the services'.
        #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
        secret: String,
        #[arg(long, env = "JWT_ISSUER", default_value = "faceattend")]
        issuer: String,
        #[arg(long, env = "JWT_AUDIENCE", default_value = "faceattend")]
        audience: String,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Token {
            permissions,
            ttl,
            subject,
            secret,
            issuer,
            audience,
        } => {
            if secret.len() < 32 {
                bail!("JWT_SECRET must be at least 32 bytes long");
            }
            let permissions: Vec<String> = if permissions.iter().any(|p| p == "all") {
                ALL_PERMISSIONS.iter().map(|p| p.to_string()).collect()
            } else {
                permissions
                    .into_iter()
                    .map(|p| p.trim().to_owned())
                    .collect()
            };
            let keys = JwtKeys::new(&AuthConfig {
                secret: SecretString::from(secret),
                issuer,
                audience,
            });
            let token = keys
                .mint(&subject, &permissions, ttl)
                .context("cannot mint the token")?;
            println!("{token}");
            Ok(())
        }
    }
}
