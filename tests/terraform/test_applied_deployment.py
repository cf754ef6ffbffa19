"""The whole deployment applied for real to moto's server, the way README.md's first deploy does it
(`taskoverflow_deploy`: repositories, images, everything else), read back through boto3, then a
one-service deploy, then `terraform destroy`.

One apply serves every test here (it takes minutes); the tests run in this file's order and
only the one-service deploy, near the end, changes what was applied.
"""

from __future__ import annotations

import dataclasses
import json
import string
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from taskoverflow_deploy.deploy import deploy_all, deploy_service
from taskoverflow_deploy.terraform import Terraform
from terraform_emulator import aws_emulator
from terraform_helpers import copy_configuration, needs_terraform

from taskoverflow_shared.broker import DEFAULT_NAMESPACE
from taskoverflow_shared.routing import ALL_QUEUES, ICAL_QUEUE, NOTIFICATIONS_QUEUE

pytestmark = [needs_terraform, pytest.mark.integration]

HERE = Path(__file__).parent
SERVICES = ("api", "calendar-worker", "notifier")
FIRST_TAG = "1111111"
REGION = "us-east-1"

# What a test deployment changes from the defaults: nothing that alters what is proven, only what
# would stop `terraform destroy` (deletion protection, the final snapshot), a standby database,
# and Performance Insights, which moto does not record: every later plan would modify the
# database to turn it on, and wait ~80 s for it.
TEST_VARIABLES = """\
deletion_protection     = false
skip_final_snapshot     = true
db_multi_az             = false
db_performance_insights = false
notification_emails = ["ops@example.com", "student@example.com"]
operations_emails   = ["oncall@example.com"]
"""
# Terraform waits on moto as on AWS (a queue ~25 s, the load balancer ~60 s, the database ~80 s):
# a hang is a failure, not a stuck test run.
TIMEOUT_S = 900


@dataclasses.dataclass
class Deployment:
    terraform: Terraform
    endpoint: str
    outputs: dict
    pushes: list[tuple[str, str, str]]

    def client(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


class RecordedPushes(list):
    """Stands in for `docker push` (the emulator has no image registry): records each push."""

    def __call__(self, service: str, tag: str, repository_url: str) -> bool:
        self.append((service, tag, repository_url))
        return True


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with aws_emulator() as endpoint:
        directory = copy_configuration(tmp_path_factory.mktemp("applied") / "configuration")
        template = string.Template((HERE / "emulator_override.tf.template").read_text())
        (directory / "emulator_override.tf").write_text(template.substitute(endpoint=endpoint))
        (directory / "test.auto.tfvars").write_text(TEST_VARIABLES)
        terraform = Terraform(directory, timeout=TIMEOUT_S)
        terraform.run("init", "-input=false")
        pushes = RecordedPushes()
        try:
            deploy_all(terraform, FIRST_TAG, push=pushes, auto_approve=True, interactive=False, say=lambda _: None)
            yield Deployment(terraform, endpoint, terraform.outputs(), pushes)
        finally:
            # Whatever the tests did; test_destroy_removes_everything normally leaves nothing to do.
            if terraform.state().get("resources"):
                terraform.run("destroy", "-auto-approve", "-input=false", *_tag_args())


def _tag_args() -> list[str]:
    # destroy needs a value for every variable; the tags it is given do not matter.
    return [f"-var={s.replace('-', '_')}_image_tag={FIRST_TAG}" for s in SERVICES]


# --- images: one repository per service ---


def test_each_service_has_its_own_repository_scanning_on_push_with_immutable_tags(deployment: Deployment) -> None:
    ecr = deployment.client("ecr")
    repositories = {r["repositoryName"]: r for r in ecr.describe_repositories()["repositories"]}

    assert set(repositories) == {f"taskoverflow-{s}" for s in SERVICES}
    for name, repository in repositories.items():
        assert repository["imageTagMutability"] == "IMMUTABLE", name
        assert repository["imageScanningConfiguration"] == {"scanOnPush": True}, name
        assert repository["encryptionConfiguration"]["encryptionType"] == "KMS", name
        rules = json.loads(ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])["rules"]
        assert {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20} in [
            r["selection"] for r in rules
        ]


def test_the_first_deploy_pushed_each_image_to_its_own_repository_before_the_services_existed(
    deployment: Deployment,
) -> None:
    assert deployment.pushes == [(s, FIRST_TAG, deployment.outputs["repository_urls"][s]) for s in SERVICES]
    assert all(
        url.endswith(f".amazonaws.com/taskoverflow-{s}") for s, url in deployment.outputs["repository_urls"].items()
    )


# --- services ---


def _services(deployment: Deployment) -> dict[str, dict]:
    ecs = deployment.client("ecs")
    cluster = deployment.outputs["ecs_cluster"]
    names = [deployment.outputs["ecs_services"][s] for s in SERVICES]
    return {s["serviceName"]: s for s in ecs.describe_services(cluster=cluster, services=names)["services"]}


def _container(deployment: Deployment, task_definition_arn: str) -> dict:
    definition = deployment.client("ecs").describe_task_definition(taskDefinition=task_definition_arn)["taskDefinition"]
    (container,) = definition["containerDefinitions"]
    return {**container, "_task": definition}


def test_each_service_runs_its_own_image_on_fargate(deployment: Deployment) -> None:
    services = _services(deployment)
    assert set(services) == set(SERVICES)
    for name, service in services.items():
        assert service["launchType"] == "FARGATE", name
        network = service["networkConfiguration"]["awsvpcConfiguration"]
        assert network["assignPublicIp"] == "DISABLED", name
        # (moto does not report deploymentConfiguration: deploy/terraform/tests checks the circuit breaker.)
        container = _container(deployment, service["taskDefinition"])
        assert container["image"] == f"{deployment.outputs['repository_urls'][name]}:{FIRST_TAG}", name
        assert container["_task"]["networkMode"] == "awsvpc", name
        assert container["logConfiguration"]["options"]["awslogs-group"] == f"/taskoverflow/{name}", name


def test_a_stopping_worker_has_longer_than_a_job_may_take(deployment: Deployment) -> None:
    for name, service in _services(deployment).items():
        container = _container(deployment, service["taskDefinition"])
        environment = {e["name"]: e["value"] for e in container["environment"]}
        limit_ms = environment.get("WORKER_TIME_LIMIT_MS") or environment.get("NOTIFY_TIME_LIMIT_MS")
        if limit_ms:
            assert int(limit_ms) < container["stopTimeout"] * 1000, name


def test_service_logs_are_kept_and_encrypted(deployment: Deployment) -> None:
    logs = deployment.client("logs")
    for service, group_name in deployment.outputs["log_groups"].items():
        (group,) = [
            g
            for g in logs.describe_log_groups(logGroupNamePrefix=group_name)["logGroups"]
            if g["logGroupName"] == group_name
        ]
        assert group["retentionInDays"] == 365, service
        assert group.get("kmsKeyId"), service


def _environment(deployment: Deployment, service: str) -> dict[str, str]:
    container = _container(deployment, _services(deployment)[service]["taskDefinition"])
    return {e["name"]: e["value"] for e in container["environment"]}


def test_each_service_accepts_the_environment_its_task_gets(deployment: Deployment) -> None:
    # The services' own settings classes read the task's environment, as they do at start-up on ECS;
    # PGPASSWORD arrives from Secrets Manager when the task starts.
    from taskoverflow_api.config import ApiSettings
    from taskoverflow_calendar_worker.config import WorkerSettings
    from taskoverflow_notifier.config import NotifierSettings

    api = ApiSettings.from_env(_environment(deployment, "api"))
    worker = WorkerSettings.from_env(_environment(deployment, "calendar-worker"))
    notifier = NotifierSettings.from_env(_environment(deployment, "notifier"))

    assert (api.host, api.port, api.log_format) == ("0.0.0.0", 6400, "json")
    assert api.public_base_url == deployment.outputs["api_url"]
    for settings in (api, worker, notifier):
        assert settings.broker.url == "sqs://"
        assert settings.broker.namespace == DEFAULT_NAMESPACE
        assert settings.broker.region == REGION
        assert settings.broker.endpoint_url is None  # AWS itself, not an emulator
        assert settings.database_url.endswith("/taskoverflow?sslmode=require")
    assert notifier.sns_topic_arn == deployment.outputs["notifications_topic_arn"]
    assert worker.consumer.time_limit_ms < worker.broker.visibility_timeout_s * 1000


def test_the_database_password_reaches_tasks_only_through_secrets_manager(deployment: Deployment) -> None:
    rds = deployment.client("rds")
    (database,) = rds.describe_db_instances()["DBInstances"]
    secret_arn = database["MasterUserSecret"]["SecretArn"]
    password = json.loads(deployment.client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"])[
        "password"
    ]
    assert len(password) >= 8

    task_definitions = [_container(deployment, s["taskDefinition"]) for s in _services(deployment).values()]
    for container in task_definitions:
        assert container["secrets"] == [{"name": "PGPASSWORD", "valueFrom": f"{secret_arn}:password::"}]
        assert password not in json.dumps(container, default=str)
    assert password not in deployment.terraform.run("output", "-json")
    assert password not in (deployment.terraform.directory / "terraform.tfstate").read_text()

    execution_role = task_definitions[0]["_task"]["executionRoleArn"].rsplit("/", 1)[1]
    allowed = _allowed(deployment.client("iam"), execution_role)
    assert ("secretsmanager:GetSecretValue", secret_arn) in allowed
    assert {r for a, r in allowed if a.startswith("secretsmanager:")} == {secret_arn}


def test_the_database_is_private_encrypted_postgres_16(deployment: Deployment) -> None:
    (database,) = deployment.client("rds").describe_db_instances()["DBInstances"]
    assert database["Engine"] == "postgres" and database["EngineVersion"].startswith("16")
    assert database["PubliclyAccessible"] is False
    assert database["StorageEncrypted"] is True
    subnets = {s["SubnetIdentifier"] for s in database["DBSubnetGroup"]["Subnets"]}
    private = {
        s["SubnetId"]
        for s in deployment.client("ec2").describe_subnets(Filters=[{"Name": "tag:Tier", "Values": ["private"]}])[
            "Subnets"
        ]
    }
    assert subnets == private and len(private) == 2


# --- queues ---


def _queue_attributes(deployment: Deployment, name: str) -> dict[str, str]:
    sqs = deployment.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_the_queues_are_the_ones_the_services_use(deployment: Deployment) -> None:
    sqs = deployment.client("sqs")
    names = {url.rsplit("/", 1)[1] for url in sqs.list_queues()["QueueUrls"]}
    # dramatiq-sqs: queue q of namespace N is N_q, its dead-letter queue N_q_dlq.
    service_queues = {f"{DEFAULT_NAMESPACE}_{q}" for q in ALL_QUEUES}
    assert names == service_queues | {f"{n}_dlq" for n in service_queues} | {"csse6400_prac", "csse6400_prac.fifo"}


def test_every_service_queue_redrives_to_its_dead_letter_queue(deployment: Deployment) -> None:
    for queue in ALL_QUEUES:
        name = f"{DEFAULT_NAMESPACE}_{queue}"
        attributes = _queue_attributes(deployment, name)
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"] == _queue_attributes(deployment, f"{name}_dlq")["QueueArn"]
        assert int(redrive["maxReceiveCount"]) == 5
        assert int(attributes["VisibilityTimeout"]) == 300
        assert attributes["SqsManagedSseEnabled"] == "true"


def test_the_demo_fifo_queue_deduplicates_by_content(deployment: Deployment) -> None:
    attributes = _queue_attributes(deployment, "csse6400_prac.fifo")
    assert attributes["FifoQueue"] == "true" and attributes["ContentBasedDeduplication"] == "true"


def test_a_message_in_any_dead_letter_queue_alarms_the_operations_topic(deployment: Deployment) -> None:
    alarms = deployment.client("cloudwatch").describe_alarms()["MetricAlarms"]
    watched = {
        next(d["Value"] for d in a["Dimensions"] if d["Name"] == "QueueName"): a
        for a in alarms
        if a["Namespace"] == "AWS/SQS"
    }
    assert set(watched) == {f"{DEFAULT_NAMESPACE}_{q}_dlq" for q in ALL_QUEUES}
    for alarm in watched.values():
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["AlarmActions"] == [deployment.outputs["operations_topic_arn"]]


def test_the_outputs_name_what_was_created(deployment: Deployment) -> None:
    sqs = deployment.client("sqs")
    for key, url in deployment.outputs["queue_urls"].items():
        assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"]), key
    assert deployment.outputs["api_url"].startswith("http://") and deployment.outputs["api_url"].endswith(
        ".elb.amazonaws.com"
    )
    assert deployment.outputs["image_tags"] == dict.fromkeys(SERVICES, FIRST_TAG)


# --- notifications ---


def test_the_notifications_topic_is_encrypted_and_mails_each_address(deployment: Deployment) -> None:
    sns = deployment.client("sns")
    topic = deployment.outputs["notifications_topic_arn"]
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"]
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert sorted((s["Protocol"], s["Endpoint"]) for s in subscriptions) == [
        ("email", "ops@example.com"),
        ("email", "student@example.com"),
    ]


# --- permissions ---


def _allowed(iam, role: str) -> set[tuple[str, str]]:
    """(action, resource) pairs the role's inline policies allow."""
    pairs = set()
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            pairs |= {(a, r) for a in actions for r in resources}
    return pairs


def test_each_task_role_reaches_only_its_own_queues_and_topic(deployment: Deployment) -> None:
    sqs = deployment.client("sqs")

    def arn(queue: str) -> str:
        url = sqs.get_queue_url(QueueName=f"{DEFAULT_NAMESPACE}_{queue}")["QueueUrl"]
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    ical, ical_dlq = arn(ICAL_QUEUE), arn(f"{ICAL_QUEUE}_dlq")
    notifications, notifications_dlq = arn(NOTIFICATIONS_QUEUE), arn(f"{NOTIFICATIONS_QUEUE}_dlq")
    topic = deployment.outputs["notifications_topic_arn"]
    consume = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility")
    expected = {
        # The outbox relay sends GenerateCalendar, and CalendarJobFinished for what reconciliation ends.
        "api": {
            *[("sqs:GetQueueUrl", q) for q in (ical, ical_dlq, notifications, notifications_dlq)],
            ("sqs:SendMessage", ical),
            ("sqs:SendMessage", notifications),
        },
        "calendar-worker": {
            *[("sqs:GetQueueUrl", q) for q in (ical, ical_dlq, notifications, notifications_dlq)],
            *[(a, ical) for a in consume],
            ("sqs:SendMessage", ical),
            ("sqs:SendMessage", ical_dlq),  # retries, dead letters
            ("sqs:SendMessage", notifications),
        },
        "notifier": {
            *[("sqs:GetQueueUrl", q) for q in (notifications, notifications_dlq)],
            *[(a, notifications) for a in consume],
            ("sqs:SendMessage", notifications),
            ("sqs:SendMessage", notifications_dlq),
            ("sns:Publish", topic),
        },
    }
    iam = deployment.client("iam")
    for service, task_definition in ((n, s["taskDefinition"]) for n, s in _services(deployment).items()):
        role = _container(deployment, task_definition)["_task"]["taskRoleArn"].rsplit("/", 1)[1]
        allowed = {(a, r) for a, r in _allowed(iam, role) if not a.startswith("kms:")}
        assert allowed == expected[service], service
        assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == [], service


def test_only_the_load_balancer_reaches_the_api_and_only_the_services_reach_the_database(
    deployment: Deployment,
) -> None:
    ec2 = deployment.client("ec2")
    groups = {g["GroupName"]: g for g in ec2.describe_security_groups()["SecurityGroups"]}
    by_id = {g["GroupId"]: name for name, g in groups.items()}

    def sources(group: str) -> set[tuple[int, str]]:
        rules = groups[group]["IpPermissions"]
        return {
            (rule["FromPort"], by_id.get(pair["GroupId"].rsplit("/", 1)[-1], pair["GroupId"]))
            for rule in rules
            for pair in rule["UserIdGroupPairs"]
        } | {(rule["FromPort"], r["CidrIp"]) for rule in rules for r in rule["IpRanges"]}

    assert sources("taskoverflow-api") == {(6400, "taskoverflow-load-balancer")}
    assert sources("taskoverflow-database") == {(5432, f"taskoverflow-{s}") for s in SERVICES}
    assert sources("taskoverflow-calendar-worker") == set() and sources("taskoverflow-notifier") == set()
    assert sources("taskoverflow-load-balancer") == {(80, "0.0.0.0/0")}


def test_the_load_balancer_sends_requests_to_healthy_api_tasks(deployment: Deployment) -> None:
    elb = deployment.client("elbv2")
    (group,) = elb.describe_target_groups(Names=["taskoverflow-api"])["TargetGroups"]
    assert (group["HealthCheckPath"], group["Port"], group["TargetType"]) == ("/api/v1/health", 6400, "ip")
    (listener,) = elb.describe_listeners(LoadBalancerArn=group["LoadBalancerArns"][0])["Listeners"]
    assert listener["DefaultActions"][0]["TargetGroupArn"] == group["TargetGroupArn"]
    (attachment,) = _services(deployment)["api"]["loadBalancers"]
    assert attachment == {"targetGroupArn": group["TargetGroupArn"], "containerName": "api", "containerPort": 6400}


def test_the_calendar_worker_scales_on_the_ical_backlog_between_its_bounds(deployment: Deployment) -> None:
    autoscaling = deployment.client("application-autoscaling")
    targets = {
        t["ResourceId"]: t for t in autoscaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    }
    worker = f"service/{deployment.outputs['ecs_cluster']}/calendar-worker"
    assert (targets[worker]["MinCapacity"], targets[worker]["MaxCapacity"]) == (1, 10)
    (policy,) = autoscaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=worker)["ScalingPolicies"]
    metrics = policy["TargetTrackingScalingPolicyConfiguration"]["CustomizedMetricSpecification"]["Metrics"]
    queues = [
        d["Value"]
        for m in metrics
        if "MetricStat" in m
        for d in m["MetricStat"]["Metric"]["Dimensions"]
        if d["Name"] == "QueueName"
    ]
    assert queues == [f"{DEFAULT_NAMESPACE}_{ICAL_QUEUE}"]


# --- a one-service deploy, then destroy (these two change what was applied: they come last) ---


def test_deploying_one_service_changes_that_service_and_nothing_else(deployment: Deployment, tmp_path: Path) -> None:
    before = {name: s["taskDefinition"] for name, s in _services(deployment).items()}
    pushes = RecordedPushes()

    # moto's drift (JSON reformatted, ECS defaults) is pending in every plan: that is what include_pending lets through.
    plan = deploy_service(
        deployment.terraform,
        "calendar-worker",
        "2222222",
        push=pushes,
        confirm=lambda _: True,
        plan_dir=tmp_path,
        include_pending=True,
        say=lambda _: None,
    )

    worker = 'module.service["calendar-worker"]'
    assert plan.caused == {
        # A new revision; "delete" only forgets the old one, which stays registered for rollbacks.
        f"{worker}.aws_ecs_task_definition.this": ["delete", "create"],
        f"{worker}.aws_ecs_service.this": ["update"],
    }
    assert pushes == [("calendar-worker", "2222222", deployment.outputs["repository_urls"]["calendar-worker"])]
    after = {name: s["taskDefinition"] for name, s in _services(deployment).items()}
    assert after["api"] == before["api"] and after["notifier"] == before["notifier"]
    assert after["calendar-worker"] != before["calendar-worker"]
    assert _container(deployment, after["calendar-worker"])["image"].endswith("/taskoverflow-calendar-worker:2222222")
    assert deployment.terraform.outputs()["image_tags"] == {
        "api": FIRST_TAG,
        "calendar-worker": "2222222",
        "notifier": FIRST_TAG,
    }


def test_destroy_removes_everything(deployment: Deployment) -> None:
    deployment.terraform.run("destroy", "-auto-approve", "-input=false", *_tag_args())

    assert deployment.client("sqs").list_queues().get("QueueUrls", []) == []
    assert deployment.client("ecr").describe_repositories()["repositories"] == []
    assert deployment.client("rds").describe_db_instances()["DBInstances"] == []
    assert deployment.client("elbv2").describe_load_balancers()["LoadBalancers"] == []
    (cluster,) = deployment.client("ecs").describe_clusters(clusters=[deployment.outputs["ecs_cluster"]])["clusters"]
    assert cluster["status"] == "INACTIVE"  # as on AWS: a deleted cluster stays listed, inactive, for a while
    assert json.loads(deployment.terraform.run("show", "-json")).get("values") is None
