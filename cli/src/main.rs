//! `verno`: Kyverno's CLI commands (`apply`, `test`, `jp`), offline, and
//! `scan`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use verno_cli::{apply, testcmd};

mod celcmd;
mod jp;

#[derive(Parser)]
#[command(
    name = "verno",
    version,
    about = "Kyverno's policy engine without the cluster"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply policies to resources, like `kyverno apply`.
    #[command(long_about = APPLY_ABOUT)]
    Apply {
        /// Policy files.
        #[arg(required = true)]
        policies: Vec<PathBuf>,
        /// Resource files (or directories, or `-` for stdin); not needed with `--json`.
        #[arg(
            short = 'r',
            long = "resource",
            alias = "resources",
            required_unless_present = "json"
        )]
        resources: Vec<PathBuf>,
        /// Print a policy report instead of violations.
        #[arg(short = 'p', long)]
        policy_report: bool,
        /// Report failures of Audit policies as warnings.
        #[arg(long)]
        audit_warn: bool,
        /// The exit code when warnings are found and no failure or error (a
        /// failure or error exits 1).
        #[arg(
            long,
            value_name = "N",
            default_value_t = 0,
            allow_negative_numbers = true
        )]
        warn_exit_code: i32,
        /// Exit with --warn-exit-code when no object satisfied a policy (no
        /// pass).
        #[arg(long)]
        warn_no_pass: bool,
        /// Show the results in Kyverno's table instead of the violations.
        #[arg(short = 't', long)]
        table: bool,
        /// With --table, add each rule's message.
        #[arg(long)]
        detailed_results: bool,
        /// Pass over a resource the values cannot be applied to (a
        /// `request.object` value that does not fit it, a bad `subresources`
        /// entry) instead of stopping, as Kyverno does. An engine error is
        /// never a stop in verno: it is the rule's `error` result.
        #[arg(long)]
        continue_on_fail: bool,
        /// Accepted for `kyverno apply` compatibility: verno prints no color.
        #[arg(long)]
        remove_color: bool,
        /// A UserInfo file (`cli.kyverno.io/v1alpha1`: roles, clusterRoles,
        /// userInfo) giving every request its user, as in `kyverno test`.
        #[arg(short = 'u', long = "userinfo", value_name = "FILE")]
        user_info: Option<PathBuf>,
        /// A Values file (`cli.kyverno.io/v1alpha1`, as a test's `variables`
        /// file): globalValues, per-policy rule and resource values,
        /// namespaceSelector/namespaces labels, subresources.
        #[arg(short = 'f', long = "values-file", value_name = "FILE")]
        values_file: Option<PathBuf>,
        /// Variables for every policy and resource, as strings:
        /// `key=value[,key=value...]` (repeatable), over the values file's.
        /// Items Kyverno ignores (no `=`, an empty key or value, a key under
        /// `request.object.`, a key given twice) are errors in verno.
        #[arg(short = 's', long = "set", value_name = "KEY=VALUE,...")]
        set: Option<Vec<String>>,
        /// Print the `openreports.io/v1alpha1` report shape (current `kyverno apply`).
        #[arg(long)]
        openreports: bool,
        /// Report format: yaml or json.
        #[arg(long, default_value = "yaml")]
        output_format: String,
        /// PolicyException files.
        #[arg(short = 'e', long = "exception", alias = "exceptions")]
        exceptions: Vec<PathBuf>,
        /// Parameter objects of `validate.cel` rules with `paramKind`.
        #[arg(long = "parameter-resource")]
        parameter_resources: Vec<PathBuf>,
        /// JSON (or YAML) payload files, judged by ValidatingPolicies in
        /// `evaluation.mode: JSON`.
        #[arg(long = "json")]
        json: Vec<PathBuf>,
        /// Write mutated resources to this file (a path ending in .yaml or
        /// .yml) or directory instead of stdout. In a directory, verno (unlike
        /// kyverno) names each file <kind>_<namespace>_<name>-mutated.yaml with
        /// unsafe characters %-escaped, never writes outside it, and replaces
        /// the files of an earlier run.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// verno addition: image verification fixtures (YAML/JSON) answering
        /// `verifyImages` rules offline: image pattern -> digest and verified
        /// signatures/attestations, or an error. Format: README, "Image
        /// verification data". Without it (or --registry), verifyImages rules
        /// give `error` results.
        #[arg(long = "image-data", value_name = "FILE")]
        image_data: Option<PathBuf>,
        /// verno addition (Kyverno's flag of this name reads local docker
        /// credentials): verify `verifyImages` rules against the real OCI
        /// registries (cosign signatures and attestations; anonymous access; plain HTTP
        /// only for loopback registries). Without it, no network is touched.
        /// The public Sigstore trust root is not fetched and Rekor is not
        /// queried: attestors need `rekor.pubkey` (signature bundles are then
        /// verified offline) or `rekor.ignoreTlog: true`, certificate
        /// attestors `ctlog.ignoreSCT: true`, and keyless attestors `roots`.
        #[arg(long)]
        registry: bool,
        #[command(flatten)]
        limits: Limits,
    },
    /// Run `kyverno-test.yaml` suites, like `kyverno test`.
    Test {
        /// Directories to search for test files (or one test file, whose
        /// reads then stay in its own folder).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Test file name.
        #[arg(short = 'f', long, default_value = "kyverno-test.yaml")]
        file_name: String,
        /// verno addition: judge strictly: an unmatched rule passes only entries that expect
        /// `skip`, a misspelled resource name is `Not found`, an entry's
        /// `kind` picks among same-named resources, and finding no test file
        /// is an error (as with --require-tests).
        #[arg(long)]
        strict: bool,
        /// Show the rule message in the table.
        #[arg(long)]
        detailed_results: bool,
        /// Only print failed rows.
        #[arg(long)]
        fail_only: bool,
        /// Print the results as json, yaml, markdown or junit instead of the
        /// table.
        #[arg(short = 'o', long = "output-format", value_enum)]
        output_format: Option<verno_cli::test_output::Format>,
        /// Fail when no test file is found.
        #[arg(long)]
        require_tests: bool,
        /// Judge only the result entries whose policy, rule and resource
        /// match (`*` and `?` wildcards); a resource value other than `*`
        /// makes the kept entries judge that resource. A malformed selector
        /// is an error (Kyverno prints it and runs everything).
        #[arg(short = 't', long, default_value = verno_cli::selector::DEFAULT)]
        test_case_selector: String,
        /// Accepted for `kyverno test` compatibility: verno prints no color.
        #[arg(long)]
        remove_color: bool,
        /// verno addition: let test files name files outside the directory
        /// given (by `..`, an absolute path or a symlink). Without it such a
        /// file is an error; `../policy.yaml` from `.kyverno-test/` is inside.
        #[arg(long)]
        allow_outside_paths: bool,
        /// verno addition: image verification fixtures (YAML/JSON) answering
        /// `verifyImages` rules in every test (kyverno-test.yaml has no field
        /// for them). The path is relative to the working directory, not to
        /// the test files. Format: README, "Image verification data".
        #[arg(long = "image-data", value_name = "FILE")]
        image_data: Option<PathBuf>,
        #[command(flatten)]
        limits: Limits,
    },
    /// JMESPath with Kyverno's functions, like `kyverno jp`.
    Jp {
        #[command(subcommand)]
        command: Option<jp::JpCommand>,
    },
    /// Scan resource dumps as Kyverno's background scan would (verno addition).
    #[command(long_about = verno_cli::scan::SCAN_ABOUT)]
    Scan(verno_cli::scan::ScanArgs),
    /// Evaluate CEL expressions with Kyverno's libraries (verno addition).
    #[command(long_about = CEL_ABOUT)]
    Cel(celcmd::CelArgs),
}

const APPLY_ABOUT: &str = "\
Apply policies to resources, like `kyverno apply`, offline.

Policies and resources may be files or directories (every .yaml/.yml file
below, hidden entries skipped, in path order), or `-` for standard input
(for the policies or the resources, not both).

Not supported: --cluster and the other flags that reach a cluster
(--kubeconfig, --context, --namespace), git repositories (--git-branch),
--generate-exceptions, --target-resource, --context-file.";

const CEL_ABOUT: &str = "\
Evaluate CEL expressions with Kyverno's libraries (a verno addition; the CEL
counterpart of `verno jp`).

Every expression is compiled first, type-checked as Kyverno compiles policy
expressions, then evaluated; each result prints as one line of JSON
(timestamps and durations as strings, bytes as base64). A compile or
evaluation error is printed on stderr and the exit code is 1.

-i FILE takes a JSON or YAML object whose top-level keys become variables
(object, oldObject, request, params, variables, ...). With the default
--env playground every library is available and every key is `dyn`; with a
policy kind (--env validating, mutating, generating, deleting,
image-validating, admission) the expression sees that kind's libraries and
declared variable types, as Kyverno would compile it.

Numbers in FILE keep their form by default (--numbers exact: 3 is an int);
--numbers doubles turns every number into a double, as `kyverno test` and
`kyverno apply` do to resources.

Example:
  verno cel -i pod.yaml 'object.spec.containers.map(c, c.image)'";

/// Bounds on what is read.
#[derive(clap::Args)]
struct Limits {
    /// verno addition: the largest file read, in bytes (policies, resources,
    /// test and values files). Larger files, devices and FIFOs are errors.
    #[arg(long, value_name = "BYTES", default_value_t = verno_cli::input::DEFAULT_MAX_INPUT_BYTES)]
    max_input_bytes: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    match cli.command {
        Command::Apply {
            policies,
            resources,
            policy_report,
            audit_warn,
            warn_exit_code,
            warn_no_pass,
            table,
            detailed_results,
            continue_on_fail,
            remove_color: _,
            user_info,
            values_file,
            set,
            openreports,
            output_format,
            exceptions,
            parameter_resources,
            json,
            output,
            image_data,
            registry,
            limits,
        } => {
            verno_cli::input::set_max_input_bytes(limits.max_input_bytes);
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            let opts = apply::ApplyOptions {
                policies,
                exceptions,
                json,
                output,
                resources,
                policy_report,
                audit_warn,
                openreports,
                output_json: output_format == "json",
                now,
                param_resources: parameter_resources,
                image_data,
                registry,
                table,
                detailed_results,
                user_info,
                values_file,
                set,
                continue_on_fail,
            };
            match apply::run(&opts, &mut stdout) {
                Ok(c) => apply::exit_code(&c, warn_exit_code, warn_no_pass, &mut stdout),
                Err(e) => {
                    eprintln!("Error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Test {
            dirs,
            file_name,
            strict,
            detailed_results,
            fail_only,
            output_format,
            require_tests,
            test_case_selector,
            remove_color: _,
            allow_outside_paths,
            image_data,
            limits,
        } => {
            verno_cli::input::set_max_input_bytes(limits.max_input_bytes);
            let image_data = match image_data
                .map(|p| {
                    verno_test::image_data::ImageData::load(
                        &verno_test::DiskFiles::unconfined(),
                        &p,
                    )
                })
                .transpose()
            {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("Error: {e}");
                    return ExitCode::from(1);
                }
            };
            let selector = match verno_cli::selector::Selector::parse(&test_case_selector) {
                Ok(s) => s,
                Err(errors) => {
                    // Kyverno's block, on stdout; then verno stops.
                    let _ = writeln!(stdout, "\nFilter errors:");
                    for e in &errors {
                        let _ = writeln!(stdout, "  Error: {e}");
                    }
                    eprintln!("Error: invalid --test-case-selector {test_case_selector:?}");
                    return ExitCode::from(1);
                }
            };
            let opts = testcmd::TestOptions {
                file_name,
                strict,
                detailed_results,
                fail_only,
                allow_outside_paths,
                image_data,
                output_format,
                // Strict judging never passes on nothing judged.
                require_tests: require_tests || strict,
                selector,
            };
            match testcmd::run(&dirs, &opts, &mut stdout) {
                Ok((_, 0)) => ExitCode::SUCCESS,
                Ok((_, failed)) => {
                    eprintln!("Error: {failed} tests failed");
                    ExitCode::from(1)
                }
                Err(e) => {
                    eprintln!("Error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Jp { command } => jp::run(command, &mut stdout),
        Command::Scan(args) => verno_cli::scan::run(&args, &mut stdout, &mut std::io::stderr()),
        Command::Cel(args) => celcmd::run(&args, &verno_cli::system::SystemHost, &mut stdout),
    }
}
