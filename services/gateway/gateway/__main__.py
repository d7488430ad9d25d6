from gateway.main import create_app
from gateway.settings import GatewaySettings
from kefu_shared.cli import main
from kefu_shared.registry import service


def run() -> None:
    main(
        name="gateway",
        settings_factory=GatewaySettings,
        app_factory=create_app,
        service_dir=None,
        default_port=service("gateway").port(),
    )


if __name__ == "__main__":
    run()
