from gateway.main import create_app
from gateway.settings import GatewaySettings
from kefu_shared.cli import main


def run() -> None:
    main(
        name="gateway",
        settings_factory=GatewaySettings,
        app_factory=create_app,
        service_dir=None,
        default_port=8000,
    )


if __name__ == "__main__":
    run()
