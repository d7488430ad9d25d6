from survey.models import Base
from survey.settings import SurveySettings
from kefu_shared.migrations import run_env

run_env(Base.metadata, lambda: SurveySettings().database_url)
