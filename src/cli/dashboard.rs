//! `walink` with no command: the dashboard; `walink sandbox`: the same on a
//! simulator with demo companies, for trying walink without a phone.

use super::engine_run;
use super::{CliError, Context, ExitCode, GlobalOpts};
use crate::engine::EngineConfig;
use crate::service::attach::OnLoss;
use crate::tui::App;
use crate::tui::run::Extras;
use crate::tui::view::theme::Theme;

/// Open the dashboard on `ctx` until the user quits. Attached to a server,
/// quitting (q, Ctrl-C, a hang-up) leaves its sessions running.
pub fn open(
    mut ctx: Context,
    config: EngineConfig,
    mut extras: Extras,
    country: Option<String>,
) -> Result<(), CliError> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "the dashboard needs a terminal; from scripts use walink status, walink pair or walink company",
        ));
    }
    extras.registry = Some(ctx.data.clone());
    let first = crate::service::first_attempt();
    let running = engine_run::start(&mut ctx, config, OnLoss::Reattach)?;
    let theme = Theme::from_no_color(std::env::var_os("NO_COLOR").as_deref());
    let mut app = App::new(theme, crate::engine::server::SANDBOX, country);
    app.seed_attempts(first.0);
    let code = {
        let _rt = ctx.rt.enter();
        ctx.rt.block_on(crate::tui::run::run(
            app,
            running.engine,
            running.updates,
            extras,
        ))
    };
    ctx.close();
    let code = code.map_err(|e| CliError::other(format!("the terminal failed: {e}")))?;
    match code {
        0 => Ok(()),
        code => Err(CliError {
            code: ExitCode::Signal(code),
            message: String::new(),
        }),
    }
}

pub fn run(ctx: Context, global: &GlobalOpts) -> Result<(), CliError> {
    let config = engine_run::config(&ctx, global, true)?;
    let country = global.default_country()?;
    open(ctx, config, Extras::default(), country)
}

#[cfg(feature = "sandbox")]
pub mod sandbox {
    use std::sync::Arc;

    use clap::Args;

    use super::super::{CliError, Context};
    use crate::config::DataDir;
    use crate::domain::{DisplayName, Slug};
    use crate::engine::EngineConfig;
    use crate::engine::server::ServerTarget;
    use crate::sim::{SimConfig, Simulator};
    use crate::tui::run::Extras;

    /// Demo companies a newcomer finds in the sandbox (edit the asset to
    /// change them; a unit test checks every entry is valid).
    const DEMO: &str = include_str!("../../assets/sandbox-companies.json");

    #[derive(serde::Deserialize)]
    struct Demo {
        slug: String,
        name: String,
    }

    fn demo_companies() -> Result<Vec<(Slug, DisplayName)>, String> {
        let list: Vec<Demo> = serde_json::from_str(DEMO)
            .map_err(|e| format!("assets/sandbox-companies.json: {e}"))?;
        list.into_iter()
            .map(|d| {
                let slug = Slug::parse(&d.slug).map_err(|e| e.to_string())?;
                let name = DisplayName::parse(&d.name).map_err(|e| e.to_string())?;
                Ok((slug, name))
            })
            .collect()
    }

    #[derive(Debug, Args)]
    pub struct SandboxArgs {}

    pub fn run(
        data_dir: Option<std::path::PathBuf>,
        log_level: Option<&str>,
        log_secrets: bool,
        country: Option<String>,
    ) -> Result<(), CliError> {
        // A throw-away data directory unless one was named.
        let tmp = match data_dir {
            Some(_) => None,
            None => Some(tempfile::tempdir().map_err(CliError::other)?),
        };
        let root = data_dir.or_else(|| tmp.as_ref().map(|t| t.path().join("data")));
        let data = DataDir::resolve(root).map_err(CliError::other)?;
        data.ensure().map_err(CliError::other)?;
        let _log = crate::logging::init(
            data.root(),
            log_level,
            log_secrets,
            crate::logging::Stderr::Never,
        );
        let mut ctx = Context::own(data.clone())?;
        for (slug, name) in demo_companies().map_err(CliError::other)? {
            if ctx.store.company(slug.as_str()).is_err() {
                ctx.store
                    .add_company(&slug, &name)
                    .map_err(CliError::other)?;
            }
        }
        let sim = ctx
            .rt
            .block_on(Simulator::start(SimConfig::default()))
            .map_err(|e| CliError::other(format!("cannot start the simulator: {e}")))?;
        let server = ServerTarget::parse(Some(&sim.url())).map_err(CliError::usage)?;
        let mut config = EngineConfig::new(data, server);
        config.fd_limit = ctx.fd_limit;
        let extras = Extras {
            registry: None,
            sim: Some(Arc::new(sim)),
        };
        super::open(ctx, config, extras, country)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_demo_companies_are_valid() {
            let demo = super::demo_companies().expect("valid asset");
            assert_eq!(demo.len(), 3);
            assert_eq!(demo[0].0.as_str(), "acme");
        }
    }
}
