from complaint.main import NAME, SERVICE_DIR, create_app, create_runtime
from complaint.settings import ComplaintSettings
from kefu_shared.cli import main
from kefu_shared.registry import service


def run() -> None:
    main(
        name=NAME,
        settings_factory=ComplaintSettings,
        app_factory=create_app,
        service_dir=SERVICE_DIR,
        default_port=service("complaint").port(),
        runtime_factory=create_runtime,
    )


if __name__ == "__main__":
    run()
