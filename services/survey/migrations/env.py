from kefu_shared.migrations import run_env
from survey.models import Base
from survey.settings import SurveySettings

run_env(Base.metadata, lambda: SurveySettings().database_url)
