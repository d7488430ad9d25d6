from complaint.main import NAME, SERVICE_DIR, create_app, create_runtime
from complaint.settings import ComplaintSettings
from kefu_shared.cli import main


def run() -> None:
    main(
        name=NAME,
        settings_factory=ComplaintSettings,
        app_factory=create_app,
        service_dir=SERVICE_DIR,
        default_port=8002,
        runtime_factory=create_runtime,
    )


if __name__ == "__main__":
    run()
