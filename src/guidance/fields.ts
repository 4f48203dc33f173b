/**
 * What the guidance calls each alert field when it has to talk about it, and the
 * shell variable a printed command uses when the alert lacks the value, so a step
 * reads "${POD:?set POD to the pod name}" instead of printing a blank.
 */
export interface FieldInfo {
  /** Noun phrase: "the pod name". */
  label: string;
  /** Upper-case shell variable name used as a fill-in. */
  shellVar: string;
}

const KNOWN: Record<string, FieldInfo> = {
  hostname: { label: 'the node name', shellVar: 'NODE' },
  time: { label: 'the alert time', shellVar: 'ALERT_TIME' },
  'proc.name': { label: 'the process name', shellVar: 'PROC_NAME' },
  'proc.exe': { label: 'the process executable', shellVar: 'PROC_EXE' },
  'proc.exepath': { label: 'the executable path', shellVar: 'EXE_PATH' },
  'proc.cmdline': { label: 'the command line', shellVar: 'CMDLINE' },
  'proc.pid': { label: 'the process id', shellVar: 'PID' },
  'proc.ppid': { label: 'the parent process id', shellVar: 'PPID_' },
  'proc.pname': { label: 'the parent process name', shellVar: 'PARENT_NAME' },
  'proc.pcmdline': { label: 'the parent command line', shellVar: 'PARENT_CMDLINE' },
  'proc.cwd': { label: 'the working directory', shellVar: 'CWD' },
  'proc.tty': { label: 'the terminal', shellVar: 'TTY' },
  'user.name': { label: 'the user name', shellVar: 'USER_NAME' },
  'user.uid': { label: 'the user id', shellVar: 'USER_UID' },
  'user.loginuid': { label: 'the login user id', shellVar: 'LOGIN_UID' },
  'user.loginname': { label: 'the login user name', shellVar: 'LOGIN_NAME' },
  'group.name': { label: 'the group name', shellVar: 'GROUP_NAME' },
  'container.id': { label: 'the container id', shellVar: 'CONTAINER_ID' },
  'container.name': { label: 'the container name', shellVar: 'CONTAINER_NAME' },
  'container.image.repository': { label: 'the image repository', shellVar: 'IMAGE_REPO' },
  'container.image.tag': { label: 'the image tag', shellVar: 'IMAGE_TAG' },
  'container.image': { label: 'the image', shellVar: 'IMAGE' },
  image: { label: 'the image', shellVar: 'IMAGE' },
  'k8s.ns.name': { label: 'the namespace', shellVar: 'NAMESPACE' },
  'k8s.pod.name': { label: 'the pod name', shellVar: 'POD' },
  'fd.name': { label: 'the file or connection', shellVar: 'FD_NAME' },
  'fd.directory': { label: 'the directory', shellVar: 'DIRECTORY' },
  'fd.filename': { label: 'the file name', shellVar: 'FILE_NAME' },
  'fd.sip': { label: 'the server IP', shellVar: 'SERVER_IP' },
  'fd.sport': { label: 'the server port', shellVar: 'SERVER_PORT' },
  'fd.cip': { label: 'the client IP', shellVar: 'CLIENT_IP' },
  'fd.rip': { label: 'the remote IP', shellVar: 'REMOTE_IP' },
  'fd.rport': { label: 'the remote port', shellVar: 'REMOTE_PORT' },
  'evt.type': { label: 'the system call', shellVar: 'EVT_TYPE' },
  'evt.res': { label: 'the system call result', shellVar: 'EVT_RES' },
  'ka.user.name': { label: 'the Kubernetes user', shellVar: 'K8S_USER' },
  'ka.target.namespace': { label: 'the target namespace', shellVar: 'NAMESPACE' },
  'ka.target.name': { label: 'the target object name', shellVar: 'TARGET_NAME' },
  'ka.target.resource': { label: 'the target resource type', shellVar: 'RESOURCE' },
  'ka.target.subresource': { label: 'the target subresource', shellVar: 'SUBRESOURCE' },
  'ka.verb': { label: 'the API verb', shellVar: 'VERB' },
  'ka.uri': { label: 'the request URI', shellVar: 'REQUEST_URI' },
  'ka.sourceips': { label: 'the client IPs', shellVar: 'SOURCE_IPS' },
  'ka.useragent': { label: 'the user agent', shellVar: 'USER_AGENT' },
  'ka.req.pod.containers.image': { label: 'the requested image', shellVar: 'REQUESTED_IMAGE' },
  'ka.req.binding.subjects': { label: 'the binding subjects', shellVar: 'SUBJECTS' },
  'ka.req.binding.role': { label: 'the bound role', shellVar: 'ROLE' },
  'ct.user': { label: 'the AWS identity', shellVar: 'CT_USER' },
  'ct.user.arn': { label: 'the AWS identity ARN', shellVar: 'AWS_USER_ARN' },
  'ct.user.accountid': { label: 'the AWS account id', shellVar: 'AWS_ACCOUNT' },
  'ct.region': { label: 'the AWS region', shellVar: 'CT_REGION' },
  'ct.srcip': { label: 'the source IP', shellVar: 'SOURCE_IP' },
  'ct.name': { label: 'the CloudTrail event name', shellVar: 'EVENT_NAME' },
  'ct.id': { label: 'the CloudTrail event id', shellVar: 'EVENT_ID' },
  'ct.request.bucket': { label: 'the S3 bucket', shellVar: 'BUCKET' },
  'ct.request.username': { label: 'the IAM user name', shellVar: 'IAM_USER' },
  'gcp.user': { label: 'the GCP principal', shellVar: 'GCP_PRINCIPAL' },
  'gcp.projectId': { label: 'the GCP project', shellVar: 'GCP_PROJECT' },
  'gcp.callerIP': { label: 'the caller IP', shellVar: 'CALLER_IP' },
  'gcp.methodName': { label: 'the API method', shellVar: 'METHOD_NAME' },
  'gcp.resourceName': { label: 'the resource name', shellVar: 'RESOURCE_NAME' },
  'github.repo': { label: 'the repository', shellVar: 'REPO' },
  'github.org': { label: 'the organization', shellVar: 'ORG' },
  'github.user': { label: 'the GitHub user', shellVar: 'GH_USER' },
  'okta.actor.name': { label: 'the Okta actor', shellVar: 'OKTA_ACTOR' },
  'okta.target.user.name': { label: 'the target Okta user', shellVar: 'OKTA_TARGET_USER' },
  'okta.client.ip': { label: 'the client IP', shellVar: 'CLIENT_IP' },
  'okta.target.group.name': { label: 'the Okta group', shellVar: 'OKTA_GROUP' },
  'okta.target.app.alternateid': { label: 'the Okta application', shellVar: 'OKTA_APP' },
  'ka.resp.name': { label: 'the created object name', shellVar: 'OBJECT_NAME' },
  'ka.req.configmap.name': { label: 'the ConfigMap name', shellVar: 'CONFIGMAP' },
  'ka.req.role.rules': { label: 'the role rules', shellVar: 'ROLE_RULES' },
  'ka.req.service.ports': { label: 'the service ports', shellVar: 'SERVICE_PORTS' },
  'ka.auth.reason': { label: 'the authorization reason', shellVar: 'AUTH_REASON' },
  'ka.response.code': { label: 'the response code', shellVar: 'RESPONSE_CODE' },
  'jevt.value[/requestObject/ephemeralContainers/0/name]': {
    label: 'the ephemeral container name',
    shellVar: 'EPHEMERAL_CONTAINER',
  },
  'jevt.value[/requestObject/ephemeralContainers/0/image]': {
    label: 'the ephemeral container image',
    shellVar: 'EPHEMERAL_IMAGE',
  },
  'ct.user.principalid': { label: 'the AWS principal id', shellVar: 'AWS_PRINCIPAL_ID' },
  'ct.request.functionname': { label: 'the Lambda function', shellVar: 'FUNCTION_NAME' },
  'ct.request.groupname': { label: 'the IAM group', shellVar: 'IAM_GROUP' },
  'ct.request.name': { label: 'the trail name', shellVar: 'TRAIL_NAME' },
  'ct.request.cluster': { label: 'the ECS cluster', shellVar: 'ECS_CLUSTER' },
  'ct.request.servicename': { label: 'the ECS service', shellVar: 'ECS_SERVICE' },
  'ct.request.taskdefinition': { label: 'the task definition', shellVar: 'TASK_DEFINITION' },
  'ct.response.reservationid': { label: 'the EC2 reservation id', shellVar: 'RESERVATION_ID' },
  's3.bucket': { label: 'the S3 bucket', shellVar: 'BUCKET' },
  'gcp.storage.bucket': { label: 'the Cloud Storage bucket', shellVar: 'GCS_BUCKET' },
  'gcp.cloudsql.databaseId': { label: 'the Cloud SQL instance', shellVar: 'SQL_INSTANCE' },
  'gcp.cloudfunctions.function': { label: 'the Cloud Function', shellVar: 'FUNCTION_NAME' },
  'github.repo.name': { label: 'the repository as owner/name', shellVar: 'REPO' },
  'github.owner': { label: 'the repository owner', shellVar: 'OWNER' },
  'github.collaborator.name': { label: 'the collaborator', shellVar: 'COLLABORATOR' },
};

export function fieldInfo(field: string): FieldInfo {
  const known = KNOWN[field];
  if (known) return known;
  const shellVar = field
    .replace(/\[[^\]]*\]/g, (m) => `_${m.slice(1, -1)}`)
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return {
    label: `the ${field} value`,
    shellVar: /^[A-Z_]/.test(shellVar) ? shellVar : `F_${shellVar}`,
  };
}
