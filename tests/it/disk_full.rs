//! A disk that fills up while a link completes: walink says so, keeps the
//! link it could not store, and writes it once there is room. The data
//! directory is on a small tmpfs this test mounts (it needs root, as CI is).

use std::path::{Path, PathBuf};
use std::process::Command;

use walink::config::DataDir;
use walink::domain::{DisplayName, FailureReason, LinkMethod, Slug};
use walink::engine::Update;
use walink::store::Store;

use crate::common::TempDataDir;
use crate::engine_fixture::{ACCOUNT_NAME, Fixture, start_engine_at};
use crate::wa::{PHONE, secs, sim};

/// A tmpfs of `size` mounted on a fresh directory, unmounted when dropped.
struct SmallDisk {
    _dir: tempfile::TempDir,
    at: PathBuf,
}

impl SmallDisk {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let at = dir.path().join("disk");
        std::fs::create_dir(&at).expect("mount point");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&at)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "this test mounts a tmpfs and needs root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self { _dir: dir, at }
    }

    /// Fill what is left; returns the filler, whose removal frees it.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let filler = self.at.join("filler");
        let mut f = std::fs::File::create(&filler).expect("filler");
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        // Whatever a 64 KiB block did not fit.
        while f.write_all(&block[..512]).is_ok() {}
        let _ = f.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
    }
}

fn data_on(disk: &Path) -> (DataDir, i64) {
    let data = DataDir::resolve(Some(disk.join("data"))).expect("data dir");
    data.ensure().expect("ensure");
    let mut store = Store::open(&data.registry_path()).expect("registry");
    let slug = Slug::parse("acme").expect("slug");
    let name = DisplayName::parse("Acme LLC").expect("name");
    let id = store.add_company(&slug, &name).expect("add").id;
    (data, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_completed_on_a_full_disk_is_said_kept_and_stored_when_room_returns() {
    let sim = sim().await;
    let disk = SmallDisk::mount("16m");
    let (data, company) = data_on(&disk.at);
    let (engine, updates) = start_engine_at(&sim.url(), &data, |_| {});
    let mut f = Fixture::attach(TempDataDir::new(), data.clone(), company, engine, updates).await;
    f.link(1, LinkMethod::Qr, false).await;
    let qr = f.qr_issued(secs(20)).await;
    let filler = disk.fill();
    let phone = sim.phone(PHONE);
    phone.set_push_name(Some(ACCOUNT_NAME));
    phone.scan_qr(&qr).await.expect("scan");
    let header = f
        .wait(secs(20), |u| match u {
            Update::Notice(n) => Some(n.clone()),
            _ => None,
        })
        .await;
    assert!(header.starts_with("The disk is full"), "{header}");
    assert!(
        f.seen.iter().any(|u| matches!(
            u,
            Update::Failed {
                reason: FailureReason::DiskFull,
                ..
            }
        )),
        "the row's failure says it too"
    );
    std::fs::remove_file(&filler).expect("free the disk");
    f.wait(secs(20), |u| match u {
        Update::Logged { entry, .. } if entry.kind == "disk" => Some(()),
        _ => None,
    })
    .await;
    let row = f.store().session(company).expect("read").expect("row");
    assert!(
        row.jid.as_deref().is_some_and(|j| j.starts_with(PHONE)),
        "the link is stored: {row:?}"
    );
    f.shutdown().await;
}

/// `walink pair` says the disk is full instead of waiting in silence, and
/// ends linked once there is room again.
#[test]
fn pair_says_the_disk_is_full_and_finishes_when_room_returns() {
    let sim = crate::sim_process::SimProcess::start();
    let disk = SmallDisk::mount("16m");
    let data = disk.at.join("data");
    let added = crate::common::walink(&data, &["company", "add", "acme"]);
    assert!(added.status.success(), "{}", crate::common::stderr(&added));
    let mut pair =
        crate::cli_pair::Pairing::start(&data, &["pair", "acme", "--qr", "--server", &sim.ws]);
    let mut block = vec![pair.line(|l| l.starts_with('█'))];
    loop {
        let line = pair.line(|_| true);
        if line.starts_with("Scan with WhatsApp") {
            break;
        }
        block.push(line);
    }
    let payload = crate::cli_pair::decode(&block);
    let filler = disk.fill();
    let (status, body) = sim.call("POST", "/phone/scan", &payload);
    assert_eq!(status, 200, "{body}");
    std::thread::sleep(std::time::Duration::from_secs(3));
    std::fs::remove_file(&filler).expect("free the disk");
    let (code, out, err) = pair.finish();
    assert!(err.contains("The disk is full"), "said on stderr: {err}");
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Connected."), "{out}");
}
